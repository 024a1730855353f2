"""A stand-in for a partner's MISP on loopback, for the tests that push events (the
CLI's and the dashboard's): it answers the calls PyMISP makes for a push (version,
user, `events/add`) as MISP documents them, checks the API key and the headers, and
keeps every event it was sent.

The MISP server itself is not run (a PHP application with MySQL and Redis)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

KEY = "A" * 20 + "b" * 20
"""The API key the stand-in accepts (40 letters and digits, as MISP's)."""


class FakeMisp(BaseHTTPRequestHandler):
    """Answers PyMISP's connection checks and `events/add` the way MISP documents them,
    and refuses anything else or any request without the key."""

    received: ClassVar[list[dict[str, Any]]] = []
    refuse_key: ClassVar[bool] = False

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, doc: object) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        ok = self.headers.get("Authorization") == KEY and not self.refuse_key
        ok = ok and self.headers.get("Accept") == "application/json"
        if not ok:
            self._send(
                403,
                {
                    "name": "Authentication failed.",
                    "message": "Authentication failed.",
                    "url": self.path,
                },
            )
        return ok

    def do_GET(self) -> None:
        if not self._authorised():
            return
        if self.path == "/servers/getPyMISPVersion.json" or self.path == "/servers/getVersion":
            self._send(200, {"version": "2.5.34"})
        elif self.path == "/users/view/me":
            self._send(
                200,
                {
                    "User": {
                        "id": "3",
                        "email": "partner@police.test",
                        "org_id": "1",
                        "role_id": "3",
                    },
                    "Role": {"id": "3", "name": "User", "perm_add": True},
                    "UserSetting": [],
                },
            )
        elif self.path == "/attributes/describeTypes.json":
            self._send(404, {"name": "Not Found", "message": "Not Found", "url": self.path})
        else:
            self._send(404, {"name": "Not Found", "message": "Not Found", "url": self.path})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        if self.path != "/events/add" or self.headers.get("Content-Type") != "application/json":
            self._send(404, {"errors": [f"unexpected POST {self.path}"]})
            return
        length = int(self.headers.get("Content-Length", "0"))
        doc = json.loads(self.rfile.read(length))
        event = doc.get("Event", doc)
        type(self).received.append(event)
        if not event.get("info") or not event.get("Attribute"):
            self._send(403, {"errors": ["event without info or attributes"]})
            return
        self._send(200, {"Event": {"id": "42", "uuid": event.get("uuid"), "info": event["info"]}})


@contextmanager
def misp_stand_in() -> Iterator[str]:
    """The stand-in on a free loopback port; yields its base URL."""
    FakeMisp.received = []
    FakeMisp.refuse_key = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeMisp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
