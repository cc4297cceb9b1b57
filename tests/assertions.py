"""Assertions shared by the command tests."""

from __future__ import annotations


def assert_one_error_line(result, *fragments: str) -> None:
    """The error boundary's output: exit 1, one `error: ...` line on stderr, no traceback, nothing on stdout."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def assert_usage_error(result, *fragments: str) -> None:
    """A value Typer refuses (a choice or range declared on the option): exit 2, one `error:` line naming the
    option and the command's help, no traceback."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(" -h)"), result.stderr
    assert "No such option" not in lines[0], result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr
