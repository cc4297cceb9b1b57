"""Hyper-parameter search (Optuna) over training options, and post-processing search on a trained run."""
