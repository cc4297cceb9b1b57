"""Start the Streamlit server of the app in this process, on one address and port."""

from __future__ import annotations

import errno
import importlib.util
import os
import socket
from pathlib import Path

from ballspot.errors import BallspotError
from ballspot.webapp.settings import LaunchSettings

SCRIPT = Path(__file__).parent / "script" / "ballspot_app.py"
INSTALL_HINT = "pip install 'ballspot[app]'"


def require_streamlit() -> None:
    """The app's packages are an extra; say how to install them when they are missing."""
    missing = [name for name in ("streamlit", "plotly") if importlib.util.find_spec(name) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise BallspotError(f"the app needs {' and '.join(missing)}, which {verb} not installed: {INSTALL_HINT}")


def check_port(host: str, port: int) -> None:
    """Fail with one line, before Streamlit starts, when the address cannot be listened on."""
    if not host.strip():  # an unset $HOST
        raise BallspotError("--host is empty: give an address such as 127.0.0.1 (this machine only)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise BallspotError(f"cannot listen on {host}: {exc.strerror}") from None
    except UnicodeError:  # a name with an empty or too long part ("127.0.0..1"): the IDNA codec refuses it
        raise BallspotError(f"cannot listen on {host}: not a valid host name or address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does: TIME_WAIT is no obstacle
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BallspotError(f"port {port} on {host} is in use; choose another with --port") from None
            raise BallspotError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def server_flags(host: str, port: int) -> dict[str, object]:
    """Streamlit's settings for the app: this address only, no browser opened, no usage statistics, no file
    watching, uploads up to 2 GB (held in memory while saved), no error details in the page (it shows one line)."""
    return {
        "server.address": host,
        "server.port": port,
        "server.headless": True,
        "server.fileWatcherType": "none",
        "server.runOnSave": False,
        "server.maxUploadSize": 2048,
        "browser.gatherUsageStats": False,
        "browser.serverAddress": host,
        "browser.serverPort": port,
        "client.showErrorDetails": "none",
        "client.toolbarMode": "viewer",
        "global.developmentMode": False,
    }


def serve(settings: LaunchSettings, host: str, port: int) -> None:
    """Run the app until the server stops (Ctrl-C)."""
    require_streamlit()
    check_port(host, port)
    os.environ.update(settings.to_env())
    from streamlit.web import cli

    args = ["run", str(SCRIPT), *(f"--{name}={value}" for name, value in server_flags(host, port).items())]
    cli.main(args=args, prog_name="ballspot app", standalone_mode=False)
