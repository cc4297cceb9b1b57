"""The quick start: the whole pipeline on a generated synthetic league, end to end, in a few minutes."""

from ballspot.quickstart.pipeline import QuickstartPlan, run_quickstart

__all__ = ["QuickstartPlan", "run_quickstart"]
