"""Local stand-ins for the servers SoccerNet's SDK talks to, for tests that must not touch the internet.

`HubStandin` answers the few Hugging Face Hub endpoints `snapshot_download` uses (spec §7 option 2),
including a gated repo that answers 401 `GatedRepo` without a token. `OwnCloudStandin` serves files
behind HTTP basic auth like SoccerNet's legacy ownCloud shares (spec §7 option 4).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

SHA = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class StandinRepo:
    files: dict[str, bytes]
    gated: bool = False
    token: str | None = None
    """With `gated`, the bearer token that is granted access."""
    broken: bool = False
    """Answer 500 to everything, like a Hub having a bad day."""


@dataclass
class _Server:
    server: ThreadingHTTPServer
    thread: threading.Thread
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    """(method, path, Authorization header) of every request seen."""

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _serve(handler_class: type[BaseHTTPRequestHandler], state: dict) -> _Server:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    server.state = state  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    running = _Server(server=server, thread=thread)
    state["requests"] = running.requests
    return running


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence the default log
        pass

    @property
    def state(self) -> dict:
        return self.server.state  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _record(self) -> None:
        self.state["requests"].append((self.command, self.path, self.headers.get("Authorization")))


class _HubHandler(_Handler):
    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        self._record()
        path = unquote(urlsplit(self.path).path)
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "datasets"] and len(parts) >= 5:
            repo_id, rest = "/".join(parts[2:4]), parts[4:]
            repo = self._repo(repo_id)
            if repo is None:
                return
            if rest[0] == "revision":
                siblings = [{"rfilename": name} for name in repo.files]
                return self._json({"id": repo_id, "sha": SHA, "siblings": siblings})
            if rest[0] == "tree":
                entries = [
                    {"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest()}
                    for name, data in repo.files.items()
                ]
                return self._json(entries)
        if parts[:1] == ["datasets"] and len(parts) >= 6 and parts[3] == "resolve":
            repo = self._repo("/".join(parts[1:3]))
            if repo is None:
                return
            name = "/".join(parts[5:])
            if name not in repo.files:
                return self._send(404, b"{}", {"X-Error-Code": "EntryNotFound"})
            data = repo.files[name]
            oid = hashlib.sha1(data).hexdigest()
            return self._send(200, data, {"ETag": f'"{oid}"', "X-Repo-Commit": SHA})
        self._send(404, b'{"error": "not found"}', {"Content-Type": "application/json"})

    def _json(self, data: object) -> None:
        self._send(200, json.dumps(data).encode(), {"Content-Type": "application/json", "X-Repo-Commit": SHA})

    def _repo(self, repo_id: str) -> StandinRepo | None:
        repo = self.state["repos"].get(repo_id)
        if repo is None:
            self._send(404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"})
            return None
        if repo.broken:
            self._send(500, b'{"error": "Internal Error"}', {"Content-Type": "application/json"})
            return None
        if repo.gated and self.headers.get("Authorization") != f"Bearer {repo.token}":
            message = json.dumps({"error": f"Access to dataset {repo_id} is restricted."}).encode()
            self._send(401, message, {"X-Error-Code": "GatedRepo", "Content-Type": "application/json"})
            return None
        return repo


class _OwnCloudHandler(_Handler):
    def do_GET(self) -> None:  # noqa: N802
        self._record()
        expected = "Basic " + base64.b64encode(f"{self.state['user']}:{self.state['password']}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            if self.state["refusal"] == 403:  # some shares answer a wrong password with 403 Forbidden
                return self._send(403, b"Forbidden")
            return self._send(401, b"Unauthorized", {"WWW-Authenticate": 'Basic realm="x"'})
        name = unquote(urlsplit(self.path).path).removeprefix("/public.php/webdav/")
        if name not in self.state["files"]:
            return self._send(404, b"Not Found")
        self._send(200, self.state["files"][name], {"Content-Type": "application/zip"})


def hub_standin(repos: dict[str, StandinRepo]) -> _Server:
    """Start a stand-in Hub on 127.0.0.1; `close()` it when done."""
    return _serve(_HubHandler, {"repos": repos})


def owncloud_standin(files: dict[str, bytes], user: str, password: str, refusal: int = 401) -> _Server:
    """Start a stand-in ownCloud WebDAV share (`/public.php/webdav/<file>`) on 127.0.0.1; a wrong password
    gets the HTTP status `refusal` (401 or 403)."""
    return _serve(_OwnCloudHandler, {"files": files, "user": user, "password": password, "refusal": refusal})
