"""Sending a notice by e-mail: SMTP with STARTTLS (`smtplib`), bounded in time, and the
exact bytes handed to the server returned so they can be kept as evidence.

It must never send in clear: a server that does not offer STARTTLS is refused before
any message is sent. It must never send a message twice: the caller records the send
before anything can retry it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from revenant.errors import FetchFailed, UsageError

TIMEOUT = 30.0
"""Seconds for the connection and for each SMTP command."""


@dataclass(frozen=True)
class SmtpServer:
    """Where notices go out: host, port, the CA to trust for its certificate (None: the
    system's), and an optional login (the password read from a file)."""

    host: str
    port: int = 587
    ca_file: str | None = None
    username: str | None = None
    password_file: str | None = None

    @classmethod
    def parse(cls, text: str, **options: str | None) -> SmtpServer:
        """`HOST[:PORT]` as given to `--smtp`."""
        host, _, port = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
        try:
            number = int(port) if port else 587
        except ValueError:
            raise UsageError(f"--smtp {text!r}: HOST or HOST:PORT") from None
        if not host or not 0 < number < 65536:
            raise UsageError(f"--smtp {text!r}: HOST or HOST:PORT (port 1-65535)")
        for key in ("ca_file", "password_file"):
            value = options.get(key)
            if value is not None and not Path(value).is_file():
                raise UsageError(f"--smtp-{key.replace('_', '-')} {value}: no such file")
        return cls(host, number, **options)  # type: ignore[arg-type]

    def password(self) -> str | None:
        if self.password_file is None:
            return None
        return Path(self.password_file).read_text("utf-8").strip()


@dataclass(frozen=True)
class Sent:
    """What the server accepted: the bytes as sent and its final reply."""

    raw: bytes
    reply: str


def message_bytes(message: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF line ends, SMTP policy)."""
    return message.as_bytes(policy=SMTP)


def send(server: SmtpServer, message: EmailMessage) -> Sent:
    """Deliver `message` to its To address through `server` over STARTTLS."""
    raw = message_bytes(message)
    sender = str(message["From"]).rsplit("<", 1)[-1].rstrip(">").strip()
    recipients = [str(message["To"]).rsplit("<", 1)[-1].rstrip(">").strip()]
    context = ssl.create_default_context(cafile=server.ca_file)
    where = f"SMTP {server.host}:{server.port}"
    try:
        with smtplib.SMTP(server.host, server.port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            if not smtp.has_extn("starttls"):
                raise FetchFailed(f"{where} does not offer STARTTLS; nothing sent")
            smtp.starttls(context=context)
            smtp.ehlo()
            if server.username:
                smtp.login(server.username, server.password() or "")
            # The steps of sendmail, one by one, to keep the server's reply to DATA.
            code, text = smtp.mail(sender)
            if code != 250:
                raise FetchFailed(f"{where} refused sender {sender}: {code} {text!r}; nothing sent")
            code, text = smtp.rcpt(recipients[0])
            if code not in (250, 251):
                smtp.rset()
                raise FetchFailed(
                    f"{where} refused recipient {recipients[0]}: {code} {text!r}; nothing sent"
                )
            code, text = smtp.data(raw)
            if code != 250:
                raise FetchFailed(f"{where} refused the message: {code} {text!r}")
            reply = f"{code} {text.decode('utf-8', 'replace')}"
    except smtplib.SMTPException as exc:
        raise FetchFailed(f"{where}: {type(exc).__name__}: {exc}") from None
    except (OSError, ssl.SSLError) as exc:
        raise FetchFailed(f"{where}: {type(exc).__name__}: {exc}") from None
    return Sent(raw, reply)
