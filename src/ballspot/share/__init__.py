"""Sharing trained models: resolving `--model` from the Hub or a URL, and exporting a model folder."""
