"""Where a study lives: SQLite (one worker), a journal file (several processes, one machine) or any database
URL SQLAlchemy knows (PostgreSQL, MySQL: several machines). The same text goes to optuna-dashboard."""

from __future__ import annotations

import re
import time
import urllib.parse
import warnings
from dataclasses import dataclass
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.paths import absolute

DEFAULT_DB = "optuna.db"
JOURNAL_PREFIX = "journal:"
JOURNAL_SUFFIXES = (".log", ".journal")
HEARTBEAT_S = 60
"""A database-backed trial whose worker stops beating for GRACE_S is marked failed by the next worker."""
GRACE_S = 180
CONNECT_TIMEOUT_S = 20
"""How long a connection to a database server may take (libpq and libmysqlclient wait for ever, beyond Ctrl-C's
reach, for a host that takes the connection and never answers); the timeout given in the URL wins."""
CONNECT_TIMEOUT_ARGS = {
    "psycopg2": "connect_timeout",
    "psycopg": "connect_timeout",
    "mysqldb": "connect_timeout",
    "pymysql": "connect_timeout",
    "mariadbconnector": "connect_timeout",
    "mysqlconnector": "connection_timeout",
}
"""The connect timeout's keyword in each database driver (by SQLAlchemy's name for it); other drivers get none."""
SCHEMA_RETRIES = 5
"""Attempts at opening a new database whose tables another worker is creating."""
URL_WITHOUT_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
"""`sqlite:/x.db`, `postgresql:host/db`: a URL scheme (two letters or more, so not a Windows drive) without //."""
STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class StorageSpec:
    """A parsed `--storage`: the kind, what to open, and what to give optuna-dashboard."""

    kind: str
    """sqlite, journal or database."""
    target: str
    """The SQLAlchemy URL, or the journal file's path."""

    @property
    def dashboard(self) -> str:
        """The argument optuna-dashboard takes for this storage (a journal file is given by its path)."""
        return self.target

    @property
    def display(self) -> str:
        """The storage as text, with any password hidden."""
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", self.target)


def check_study_name(name: str) -> str:
    """A study name is also a folder name (runs/<study>, studies/<study>): letters, digits, . _ - only, not first
    (no '..', no hidden folder, nothing read as an option)."""
    if not STUDY_NAME.match(name):
        raise BallspotError(
            f"study name must be letters, digits, '.', '_' or '-', starting with a letter or digit (at most 100), "
            f"got {name!r}"
        )
    return name


def parse_storage(value: str | None, studies_dir: Path) -> StorageSpec:
    """`--storage` as given (None: SQLite in the studies folder) -> StorageSpec."""
    if value is None:
        return StorageSpec("sqlite", f"sqlite:///{absolute(studies_dir / DEFAULT_DB)}")  # a link loop: one line
    if not value.strip():  # an unset $STORAGE: workers meant to share a database would each get their own
        raise BallspotError(
            "--storage is empty: give a database URL or journal:PATH, or leave it out (SQLite in the studies folder)"
        )
    if value.startswith(JOURNAL_PREFIX):
        path = value[len(JOURNAL_PREFIX) :]
        if not path:
            raise BallspotError("--storage journal:PATH needs a file path after 'journal:'")
        return StorageSpec("journal", str(absolute(path)))
    if "://" in value:
        scheme, database = value.split("://", 1)
        if scheme.startswith("sqlite") and database.split("?")[0] in ("", "/", "/:memory:"):
            raise BallspotError(
                f"--storage {value!r} is an in-memory SQLite database: the trials' workers cannot share it and the "
                "study ends with the process; give a file, sqlite:///PATH.db"
            )
        if scheme.startswith("sqlite") and _relative_sqlite(database):  # made absolute: the same file from any
            path, query = (database[1:].split("?", 1) + [""])[:2]  # folder (the dashboard's); ~ is not ./~
            return StorageSpec("sqlite", f"{scheme}:///{absolute(path)}" + (f"?{query}" if query else ""))
        if scheme == "postgresql":
            value = f"{postgresql_driver()}://{database}"
        spec = StorageSpec("sqlite" if scheme.startswith("sqlite") else "database", value)
        return _check_port(spec)
    if scheme := URL_WITHOUT_SLASHES.match(value):  # sqlite:/data/s.db would be the file ./sqlite:/data/s.db
        raise BallspotError(
            f"--storage {value!r}: a database URL needs '//' after {scheme.group(0)!r} (sqlite:///PATH.db, "
            f"postgresql://user@host/db); a file whose name holds ':' is given as ./{value}"
        )
    if value.endswith(JOURNAL_SUFFIXES):
        return StorageSpec("journal", str(absolute(value)))
    if value.endswith((".db", ".sqlite", ".sqlite3")):
        return StorageSpec("sqlite", f"sqlite:///{absolute(value)}")
    raise BallspotError(
        f"--storage {value!r}: expected a database URL (sqlite:///..., postgresql://user@host/db), "
        "journal:PATH, or a file ending in .log (journal) or .db (SQLite)"
    )


def _relative_sqlite(database: str) -> bool:
    """Whether the part of a sqlite:// URL after '//' names a file relative to the current folder (or under ~):
    `/s.db` and `/~/s.db` do, `//abs/s.db` and SQLite's URI form (`/file:s.db?uri=true`) do not."""
    path, _, query = database.partition("?")
    return path.startswith("/") and not path.startswith("//") and "uri=true" not in query.lower()


def installed(module: str) -> bool:
    """Whether Python can import `module` (without importing it)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


def postgresql_driver() -> str:
    """The scheme for a `postgresql://` URL, which names no driver: SQLAlchemy picks psycopg2 before 2.1 and
    psycopg (3) since, while `ballspot[postgres]` installs psycopg2; so the one installed, when only one is."""
    drivers = [name for name in ("psycopg2", "psycopg") if installed(name)]
    return f"postgresql+{drivers[0]}" if len(drivers) == 1 else "postgresql"


def _check_port(spec: StorageSpec) -> StorageSpec:
    """A database URL's port must be a number from 1 to 65535 (the driver's own words are Python's int())."""
    try:
        _ = urllib.parse.urlsplit(spec.target).port  # parsing the port is the check
    except ValueError:
        port = spec.target.split("://", 1)[1].split("@")[-1].split("/")[0].rpartition(":")[2]
        raise BallspotError(
            f"--storage {spec.display}: the port {port!r} is not a number from 1 to 65535 (host:5432/db)"
        ) from None
    return spec


def open_storage(spec: StorageSpec):
    """The Optuna storage object, or a one-line error when it cannot be reached."""
    import optuna

    if spec.kind == "journal":
        from optuna.storages.journal import JournalFileBackend

        path = Path(spec.target)
        if not path.parent.is_dir():
            from ballspot.atomic import ensure_dir

            ensure_dir(path.parent)
        try:
            return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
        except OSError as exc:
            raise BallspotError(f"cannot open journal file {path}: {exc.strerror or exc}") from None
        except Exception as exc:  # Optuna replays the file as it opens it: a line it cannot read fails here
            raise BallspotError(
                f"{path} is not an Optuna journal file ({type(exc).__name__}: {_first_line(exc)}); "
                "give a new file, or the journal a study wrote"
            ) from None
    if spec.kind == "sqlite" and spec.target.startswith("sqlite:///"):
        database = Path(spec.target[len("sqlite:///") :].split("?")[0])
        if not database.exists():  # a new one: its folder must take it (one that exists is read in any folder)
            from ballspot.atomic import ensure_dir

            ensure_dir(database.parent)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # the heartbeat's
    for attempt in range(SCHEMA_RETRIES):
        try:
            return optuna.storages.RDBStorage(
                spec.target,
                engine_kwargs=_engine_options(spec),
                heartbeat_interval=HEARTBEAT_S,
                grace_period=GRACE_S,
            )
        except Exception as exc:  # SQLAlchemy and the drivers raise many types (bad URL, refused connection ...)
            if missing := _missing_module(exc):  # Optuna wraps it in an ImportError of its own
                ours = missing == "psycopg2" or spec.target.startswith("postgresql://")  # what the extra fixes
                hint = " (pip install 'ballspot[postgres]')" if ours else ""
                raise BallspotError(f"cannot open storage {spec.display}: missing driver {missing}{hint}") from None
            if _schema_race(exc) and attempt + 1 < SCHEMA_RETRIES:
                time.sleep(0.2 * (attempt + 1))  # another worker is creating the tables: they will be there
                continue
            raise BallspotError(f"cannot open storage {spec.display}: {root_cause(exc)}") from None
    raise AssertionError("unreachable")


def _engine_options(spec: StorageSpec) -> dict | None:
    """SQLAlchemy's engine options for a database server: check a pooled connection before use, and give the
    connection CONNECT_TIMEOUT_S unless the URL says otherwise."""
    if spec.kind != "database":
        return None
    options: dict = {"pool_pre_ping": True}
    keyword = CONNECT_TIMEOUT_ARGS.get(_driver(spec.target) or "")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(spec.target).query)
    if keyword and keyword not in query:
        options["connect_args"] = {keyword: CONNECT_TIMEOUT_S}
    return options


def _driver(url: str) -> str | None:
    """SQLAlchemy's name for the driver `url` opens (`mysql://` is mysqldb); None when it knows none."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).get_dialect().driver
    except Exception:  # a URL or driver SQLAlchemy does not know: opening it says so
        return None


def _missing_module(exc: BaseException) -> str | None:
    """The name of the module whose absence is at the bottom of `exc`'s chain (a database driver), if any."""
    cause = _chain(exc)[-1]
    return cause.name if isinstance(cause, ModuleNotFoundError) and cause.name else None


def _schema_race(exc: BaseException) -> bool:
    """True for the errors of two workers creating Optuna's tables in a new database at the same moment."""
    text = str(exc).lower()
    return type(exc).__name__ in ("IntegrityError", "ProgrammingError", "OperationalError") and (
        "already exists" in text or "duplicate" in text
    )


def root_cause(exc: BaseException) -> str:
    """The first line of the error at the bottom of `exc`'s chain: Optuna wraps "database disk image is
    malformed" in "An exception is raised during the commit"."""
    return _first_line(_chain(exc)[-1])


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the errors it was raised from (or while handling), outermost first."""
    seen = [exc]
    while (inner := seen[-1].__cause__ or seen[-1].__context__) is not None and inner not in seen:
        seen.append(inner)
    return seen


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0]
