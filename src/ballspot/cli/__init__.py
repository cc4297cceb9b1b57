"""The `ballspot` command line: one module per command, over the core package."""
