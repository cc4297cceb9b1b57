"""The `ballspot` command line: one module per command, over the core package."""

from ballspot.threads import passive_waiting

passive_waiting()  # OpenMP reads its wait policy once, when torch loads it: before any command's imports
