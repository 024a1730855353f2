"""A real browser for the dashboard's tests: Debian's Chromium driven by Playwright (no
browser download), started with a fresh profile and flags that keep it off the network,
a request guard that lets it reach 127.0.0.1 only, and a dashboard served on loopback.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from tests.components import need_binary

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Nothing but loopback resolves, whatever a page asks for.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
REPORT = Path(os.environ.get("REVENANT_TEST_REPORT", "build/test-report")) / "web"
"""Where screenshots and downloads are kept with the test report."""


def chromium() -> str:
    return need_binary("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """The app on a loopback port, served by uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass
class Guard:
    """Every request the browser made, and those refused for leaving 127.0.0.1."""

    seen: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def __call__(self, route: object) -> None:
        request = route.request  # type: ignore[attr-defined]
        url = request.url
        self.seen.append(url)
        host = urlsplit(url).hostname
        if url.startswith(("data:", "about:", "blob:")) or host == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.refused.append(url)
            route.abort()  # type: ignore[attr-defined]


VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""
