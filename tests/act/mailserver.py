"""A real SMTP server on loopback for the tests that send notices (the CLI's and the
dashboard's): `aiosmtpd` requiring STARTTLS with a certificate from a test CA, and what
it accepted kept per message. Started and stopped by the test that uses it."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller

from revenant.act.smtp import SmtpServer


class Inbox:
    """What the SMTP server accepted: envelope and bytes, per message."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": bytes(envelope.original_content or envelope.content),
                "tls": session.ssl is not None,
            }
        )
        return "250 2.0.0 Ok: queued as R3V3N4NT"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def starttls_server(folder: Path) -> Iterator[tuple[SmtpServer, Inbox]]:
    """An SMTP server on 127.0.0.1 that requires STARTTLS; its CA is written to `folder`."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / "smtp-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, ca_file=str(ca_file)), inbox
    finally:
        controller.stop()


@contextmanager
def plain_server() -> Iterator[SmtpServer]:
    """An SMTP server that offers no STARTTLS."""
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port)
    finally:
        controller.stop()
