"""Running the dashboard: uvicorn serving the app until SIGINT/SIGTERM."""

from __future__ import annotations

from collections.abc import Callable

import uvicorn

from revenant.act.channels import Channels
from revenant.errors import UsageError
from revenant.settings import Settings
from revenant.store import Store
from revenant.web.app import create_app

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    store: Store | None = None,
    announce: Callable[[str], None] = print,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    channels: Channels | None = None,
) -> None:
    """Serve until interrupted, acting outside through `channels`. Session cookies are
    Secure: browsers keep them over plain HTTP on loopback only, so any other address
    needs TLS (here, or a proxy)."""
    if not 0 < port < 65536:
        raise UsageError(f"--port {port}: must be 1 to 65535")
    if bool(tls_cert) != bool(tls_key):
        raise UsageError("give --tls-cert and --tls-key together")
    scheme = "https" if tls_cert else "http"
    if scheme == "http" and host not in LOOPBACK:
        announce(
            f"warning: serving plain HTTP on {host}: browsers drop Secure session cookies "
            "outside loopback; use --tls-cert/--tls-key or a TLS reverse proxy"
        )
    app = create_app(settings, store=store, channels=channels)
    if channels is not None:
        announce(_acting(channels))
    shown = f"[{host}]" if ":" in host else host
    announce(f"dashboard on {scheme}://{shown}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        ssl_certfile=tls_cert,
        ssl_keyfile=tls_key,
        server_header=False,
        proxy_headers=False,
    )


def _acting(channels: Channels) -> str:
    """One line saying what the dashboard can reach to act, and what it cannot."""
    parts = [
        f"notices via SMTP {channels.smtp.host}:{channels.smtp.port}"
        if channels.smtp
        else "no SMTP (notices are not sent from the page)",
        f"zone pushed to {channels.rpz.target}" if channels.rpz else "no DNS primary",
        f"MISP {channels.misp.url}" if channels.misp else "no partner MISP",
    ]
    return "acting: " + "; ".join(parts)
