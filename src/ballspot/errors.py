"""The one exception type for expected failures: the CLI prints its message on one line and exits 1."""


class BallspotError(Exception):
    """A failure the user can fix (bad input, missing file, wrong option); never a bug."""
