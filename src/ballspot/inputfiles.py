"""Read JSON and YAML input the one way every command does: a depth limit, one-line errors, no traceback.

Python's parser recurses once per nesting level, so a document nested a few thousand levels deep ends in a
RecursionError. No ballspot or SoccerNet document is deeper than a handful of levels; the depth is measured
(in C-speed byte operations, strings skipped) before anything is parsed.
"""

from __future__ import annotations

import json
from pathlib import Path

from ballspot.errors import BallspotError

MAX_DEPTH = 64
"""Deepest nesting of arrays and objects accepted (ballspot's and SoccerNet's documents use at most 4)."""
MAX_YAML_VALUES = 100_000
"""Most values a YAML document may expand to: aliases of aliases (`b: [*a, *a, ...]`) grow it exponentially,
and configs and search spaces hold a few dozen."""

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings do not count)."""
    import numpy as np

    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"")  # escaped backslashes first, then escaped quotes
    text = text.translate(None, _NOT_STRUCTURE)  # brackets and quotes: all the depth depends on
    outside_strings = b"".join(text.split(b'"')[::2])
    brackets = np.frombuffer(outside_strings.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if len(brackets) == 0:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1)
    return int(np.cumsum(steps).max())


def parse_json(raw: bytes | str, where: str) -> object:
    """The document in `raw`; `where` names it in the one-line error (a path, or `zip!member`)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not data.strip():  # a file saved before anything was written to it, a download that failed
        raise BallspotError(f"{where}: the file is empty; expected a JSON document")
    depth = nesting_depth(data)
    if depth > MAX_DEPTH:
        raise BallspotError(f"{where}: JSON nested {depth} levels deep (at most {MAX_DEPTH} are read)")
    try:
        return json.loads(data, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise BallspotError(f"{where}: key {exc.args[0]!r} appears twice in one object; keep one") from None
    except UnicodeDecodeError as exc:  # a file saved as Latin-1 or Windows-1252, or not text at all
        raise BallspotError(
            f"{where}: not valid JSON (not UTF-8 text: byte {exc.object[exc.start]:#04x} at offset {exc.start}; "
            "JSON is read as UTF-8)"
        ) from None
    except json.JSONDecodeError as exc:
        raise BallspotError(f"{where}: not valid JSON ({exc})") from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits(), 4300 digits)
        raise BallspotError(f"{where}: holds a number thousands of digits long; no field takes one") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise BallspotError(f"{where}: JSON nested too deeply") from None


class _DuplicateKey(Exception):
    """A key given twice in one JSON object (Python's parser keeps the last without a word)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) < len(pairs):
        seen: set[str] = set()
        raise _DuplicateKey(next(key for key, _ in pairs if key in seen or seen.add(key)))
    return document


def require_file(path: Path, what: str) -> None:
    """Refuse what is not a regular file: a missing path, a folder, a pipe or device (reading it could block)."""
    if path.is_file():
        return
    if path.is_dir():
        raise BallspotError(f"{what} {path} is a folder; give the file itself")
    if path.exists():
        raise BallspotError(f"{what} {path} is not a regular file (a pipe or device)")
    from ballspot.paths import not_found

    raise not_found(path, what)


def read_json(path: Path | str, what: str = "JSON file") -> object:
    """The document in the file at `path`; a missing, unreadable or malformed file is a one-line error."""
    path = Path(path)
    require_file(path, what)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BallspotError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    return parse_json(raw, str(path))


def read_yaml(path: Path | str, what: str = "YAML file") -> object:
    """The document in the YAML file at `path` (None when empty); a missing, binary, malformed or absurdly
    nested file is a one-line error."""
    import yaml

    path = Path(path)
    require_file(path, what)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BallspotError(f"{path}: not a text file (not UTF-8); expected YAML") from None
    except OSError as exc:
        raise BallspotError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        document = yaml.load(text, Loader=_unique_keys_loader())  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise BallspotError(f"{path}: not valid YAML ({_yaml_problem(exc)})") from None
    except ValueError as exc:  # a value YAML reads but Python cannot hold: 2020-13-45, an int of 5000 digits
        raise BallspotError(f"{path}: not valid YAML ({str(exc).split(';')[0]})") from None
    except RecursionError:
        raise BallspotError(f"{path}: YAML nested too deeply") from None
    if _more_values_than(document, MAX_YAML_VALUES):  # copying or saving it would take minutes and gigabytes
        raise BallspotError(f"{path}: YAML expands to more than {MAX_YAML_VALUES} values (aliases of aliases?)")
    return document


def _more_values_than(document: object, limit: int) -> bool:
    """True when `document` holds more than `limit` values, each alias counted every time it is used."""
    pending, seen = [document], 0
    while pending:
        value = pending.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def _yaml_problem(exc: Exception) -> str:
    """What a YAML error says is wrong, and on which line ("found unhashable key, line 1"); PyYAML's first
    line of text is often only the context ("while constructing a mapping")."""
    problem = getattr(exc, "problem", None)
    if not problem:
        return str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"{problem}, line {mark.line + 1}" if mark is not None else problem


def _unique_keys_loader():
    """A SafeLoader that refuses a mapping holding the same key twice (plain YAML keeps the last one)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool):
                    continue  # a list or mapping as a key: SafeLoader refuses it (unhashable)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice (line {key_node.start_mark.line + 1})"
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            _refuse_yaml11_number(node, self.construct_scalar(node), integer=True)
            return super().construct_yaml_int(node)

        def construct_yaml_float(self, node):
            _refuse_yaml11_number(node, self.construct_scalar(node), integer=False)
            return super().construct_yaml_float(node)

    UniqueKeyLoader.add_constructor("tag:yaml.org,2002:int", UniqueKeyLoader.construct_yaml_int)
    UniqueKeyLoader.add_constructor("tag:yaml.org,2002:float", UniqueKeyLoader.construct_yaml_float)
    return UniqueKeyLoader


def _refuse_yaml11_number(node, text: str, integer: bool) -> None:
    """Refuse the numbers YAML 1.1 reads in a way nobody means in a config: `1:30` as 90 (base 60) and the
    integer `010` as 8 (octal)."""
    import yaml

    digits = text.replace("_", "").lstrip("+-")
    line = node.start_mark.line + 1
    if ":" in digits:
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} reads as a base-60 number in YAML (line {line}); write the number, or quote it"
        )
    if integer and len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        raise yaml.constructor.ConstructorError(
            None, None, f"{text!r} reads as an octal number in YAML (line {line}); write it without the leading 0"
        )
