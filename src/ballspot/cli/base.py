"""The Typer app every command registers on, and the error boundary each command runs inside."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # typer vendors its own click since 0.2x; older versions use click's classes
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors

from ballspot import __version__, stops

WORKFLOW_ORDER = ("quickstart", "download", "segment", "index", "train", "tune", "evaluate", "predict", "export", "app")
"""How `ballspot --help` lists the commands: the quick start, then the steps in the order they are run."""


class OneLineErrors(TyperGroup):
    """The root group: a usage error (unknown option, bad value, missing argument) prints one line,
    `error: <what is wrong> (see: <command> -h)`, and exits with code 2, instead of a boxed usage screen.
    Its commands are listed in the order of the work (WORKFLOW_ORDER), any other after them."""

    def list_commands(self, ctx) -> list[str]:  # type: ignore[override]
        names = super().list_commands(ctx)
        return [name for name in WORKFLOW_ORDER if name in names] + [n for n in names if n not in WORKFLOW_ORDER]

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        refuse_empty_paths(self)
        plain_flags(self)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:
            typer.echo(exc.format_message())
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            sys.stderr.write(f"error: {usage_error_line(exc)}\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("error: aborted\n")
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def refuse_empty_paths(command: Any) -> None:
    """Make every path option and argument under `command` refuse an empty value: Python reads "" as the
    current folder, so `--out "$UNSET"` would write there and `--data-dir ""` would read from there. A name
    that is not UTF-8 is refused too."""
    for param in getattr(command, "params", []):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and descriptor.annotation is Path and not hasattr(param, "_refuses_empty"):
            param.process_value = functools.partial(_nonempty_path, param.process_value, param)
            param._refuses_empty = True
    for sub in getattr(command, "commands", {}).values():
        refuse_empty_paths(sub)


def plain_flags(command: Any) -> None:
    """Show no type beside an on/off option in --help (`--json  Print ...`, not `--json <bool> Print ...`): a
    flag takes no value, so a type there reads as if it wanted one."""
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""
    if hasattr(command, "get_help_option") and not hasattr(command, "_plain_help"):  # made when help is shown
        command.get_help_option = functools.partial(_plain_help_option, command.get_help_option)
        command._plain_help = True
    for sub in getattr(command, "commands", {}).values():
        plain_flags(sub)


def _plain_help_option(make: Callable, ctx: Any) -> Any:
    option = make(ctx)
    if option is not None and option.metavar is None:
        option.metavar = ""
    return option


def _nonempty_path(process: Callable, param: Any, ctx: Any, value: Any) -> Any:
    if value == "" or (isinstance(value, list | tuple) and "" in value):
        optional = getattr(param, "param_type_name", "") == "option" and not param.required
        hint = ", or leave the option out" if optional else ""
        raise click_errors.BadParameter(f"an empty path; give a file or folder{hint}", ctx=ctx, param=param)
    from ballspot.paths import not_utf8

    for item in value if isinstance(value, list | tuple) else [value]:
        if isinstance(item, str) and (error := not_utf8(item)):
            raise click_errors.BadParameter(str(error), ctx=ctx, param=param)
    return process(ctx, value)


def usage_error_line(exc: click_errors.ClickException) -> str:
    """A click error as one line, naming the help of the command it concerns."""
    message = " ".join(exc.format_message().split())
    context = getattr(exc, "ctx", None)
    if context is not None:
        message += f" (see: {context.command_path} -h)"
    return message


app = typer.Typer(
    cls=OneLineErrors,
    name="ballspot",
    help="Ball action spotting in soccer broadcast video (SoccerNet): data, training, evaluation, prediction.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


download_app = typer.Typer(
    name="download",
    help="Get data: SoccerNet's ball-action videos and labels, or a generated synthetic league.",
    no_args_is_help=True,
)
app.add_typer(download_app, name="download")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ballspot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """ballspot: find ball actions (PASS, DRIVE, ... GOAL) and their times in soccer video."""


def debug_enabled() -> bool:
    return os.environ.get("BALLSPOT_DEBUG", "") not in ("", "0")


MAX_ERROR_CHARS = 2000
"""The longest error line: a message quoting a huge input (a label of a million characters) is cut in its
middle, keeping what it says at both ends."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` on stderr, on one line (a path can hold a newline: it is shown as \\n) of at
    most MAX_ERROR_CHARS characters, and return the Exit to raise."""
    from ballspot.console import one_line

    message = one_line(message)
    if len(message) > MAX_ERROR_CHARS:
        keep = MAX_ERROR_CHARS // 2
        message = f"{message[:keep]} ... ({len(message) - 2 * keep} characters left out) ... {message[-keep:]}"
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    return typer.Exit(code)


def command(name: str | None = None, on: typer.Typer | None = None, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Register a command on `app` (or the group `on`), wrapped in the error boundary.

    A `BallspotError` (an expected failure) becomes one line on stderr and exit code 1; with
    `BALLSPOT_DEBUG=1` the traceback is shown instead. Usage errors are one line too, with exit code 2
    (`OneLineErrors`).
    """

    def decorate(func: Callable) -> Callable:
        help_text = kwargs.pop("help", None) or one_line_paragraphs(func.__doc__)
        return (on or app).command(name, help=help_text, **kwargs)(error_boundary(func))

    return decorate


def one_line_paragraphs(doc: str | None) -> str | None:
    """A docstring with each paragraph on one line: Rich help keeps the source's line breaks, which a terminal
    narrower than the source then shows as lines cut short mid-sentence."""
    if not doc:
        return doc
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in inspect.cleandoc(doc).split("\n\n"))


def error_boundary(func: Callable) -> Callable:
    """Wrap a command (or a group callback): a `BallspotError`, an `OSError` or Ctrl-C becomes one `error:` line and an
    exit code."""
    from ballspot.errors import BallspotError

    @functools.wraps(func)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            with _terminate_like_ctrl_c(), _interrupt_once(), _quiet_swallowed_stops():
                return func(*args, **kw)
        except Terminated as stop:
            if debug_enabled():
                raise
            raise fail(with_hint("terminated", stop), 128 + signal.SIGTERM) from None
        except BallspotError as exc:
            if debug_enabled():
                raise
            raise fail(str(exc)) from None
        except KeyboardInterrupt as stop:
            if debug_enabled():
                raise
            raise fail(with_hint("interrupted", stop), 130) from None
        except OSError as exc:  # what no check foresaw: a full disk, a name too long, a file taken away
            if debug_enabled():
                raise
            where = f": {exc.filename}" if exc.filename else ""
            raise fail(f"{exc.strerror or exc}{where}") from None

    return wrapper


def with_hint(message: str, stop: BaseException) -> str:
    """`message`, and what to do next when the stopped command said it (`add_stop_hint`)."""
    hint = getattr(stop, STOP_HINT, "")
    return f"{message}; {hint}" if hint else message


STOP_HINT = "ballspot_hint"


@contextlib.contextmanager
def stop_hint(hint: Callable[[], str]) -> Iterator[None]:
    """When Ctrl-C or SIGTERM stops the block, the `error:` line also says `hint()` (e.g. how to resume)."""
    try:
        yield
    except (KeyboardInterrupt, Terminated) as stop:
        setattr(stop, STOP_HINT, hint())
        raise


def interrupt(signum: int = signal.SIGINT, frame: Any = None) -> None:
    """Ctrl-C: raise KeyboardInterrupt, unless a stop is already on its way out. The first decides how the
    command ends (exit 130): a second one while it cleaned up (temporary files, child processes) or while Python
    exited cut the clean-up short, or killed Python on its way out (exit code -2, a traceback from an exit
    handler). A first one that Python swallowed (raised inside a fork or finaliser callback, "Exception
    ignored") is on its way nowhere, so the next Ctrl-C still stops the command."""
    if stop_under_way() or stops.hold(raise_interrupt):
        return
    raise_interrupt()


def raise_interrupt() -> None:
    raise KeyboardInterrupt


def stop_under_way() -> bool:
    """Whether a Ctrl-C or SIGTERM is propagating here (its clean-up running: a `finally`, an `__exit__`, an
    `except` inside them)."""
    exc = sys.exc_info()[1]
    while exc is not None:
        if isinstance(exc, (KeyboardInterrupt, Terminated)):
            return True
        exc = exc.__context__
    return False


@contextlib.contextmanager
def _quiet_swallowed_stops() -> Iterator[None]:
    """A Ctrl-C or SIGTERM raised inside a callback Python cannot raise from (a fork handler, a finaliser) is
    swallowed, and Python prints its traceback as "Exception ignored"; the next one stops the command
    (`interrupt`), so say nothing of it. Other unraisable errors are reported as before."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, (KeyboardInterrupt, Terminated)):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


_process_ends_with_command = False
"""True when the command's end is the process's (the console script, `python -m ballspot`), not a call
from Python code or a test that goes on afterwards."""


def process_ends_with_command() -> None:
    """Say that this process ends when its command does (`main`): after a stop, later Ctrl-C and SIGTERM are
    then ignored until it has exited."""
    global _process_ends_with_command
    _process_ends_with_command = True


def _after_the_command(signum: int, handler: Any, default: Any) -> None:
    """Put back `default` for `signum` once the command's block ends; in a process that ends with the command,
    ignore it instead when a stop is on its way out (the error line, Python's exit handlers run next)."""
    if signal.getsignal(signum) is handler:  # else someone else set one since
        ignored = _process_ends_with_command and stop_under_way()
        signal.signal(signum, signal.SIG_IGN if ignored else default)


@contextlib.contextmanager
def _interrupt_once() -> Iterator[None]:
    """Handle Ctrl-C with `interrupt` for the command's run (in the main thread, unless someone else set a
    handler); after a Ctrl-C, later ones are ignored while it is handled (`_after_the_command`)."""
    if threading.current_thread() is not threading.main_thread() or (
        signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        _after_the_command(signal.SIGINT, interrupt, signal.default_int_handler)


class Terminated(BaseException):
    """SIGTERM arrived (`kill`, a scheduler, torchrun): raised where the program is, as Ctrl-C is, so the
    same clean-up runs (temporary files removed, child processes stopped) before the exit."""


def raise_terminated() -> None:
    raise Terminated()


@contextlib.contextmanager
def _terminate_like_ctrl_c() -> Iterator[None]:
    """Turn SIGTERM into `Terminated` for the command's run (in the main thread, unless someone else set a
    handler); after a SIGTERM, later ones are ignored while it is handled (`_after_the_command`)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    owner = os.getpid()

    def terminate(signum, frame) -> None:
        if os.getpid() != owner:  # a forked child (a DataLoader worker) dies as it would have
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if stop_under_way() or stops.hold(raise_terminated):  # as for Ctrl-C: the first decides
            return
        raise_terminated()

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        _after_the_command(signal.SIGTERM, terminate, signal.SIG_DFL)
