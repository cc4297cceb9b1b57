"""`python -m ballspot` runs the command-line interface."""

from ballspot.cli.app import main

if __name__ == "__main__":
    main()
