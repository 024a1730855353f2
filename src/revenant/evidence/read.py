"""Reading captures back from WARC: Revenant's own files become the exact `Capture`s
that were written; a plain third-party WARC gives one page-only capture per response.

It must never trust a WARC: bodies are read with a byte bound, decoding is bounded,
and an unreadable file raises `BadWarc` naming the file and the record offset, never a
bare library exception. It never writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from yarl import URL

from revenant.errors import BadWarc
from revenant.evidence.metadata import FORMAT, capture_from_json, exchange_from_json
from revenant.evidence.snapshot import Upto
from revenant.model import Capture, Exchange, Outcome
from revenant.probe.decode import decode

MAX_BODY = 12 * 1024 * 1024
"""Longest body read from a record; a longer third-party body is cut (and marked)."""
DEFAULT_DECODED = 10 * 1024 * 1024


def warc_files(path: str | Path) -> list[Path]:
    """The WARC files at `path`: the file itself, or a directory's *.warc(.gz), sorted."""
    p = Path(path)
    if p.is_dir():
        return sorted([*p.glob("*.warc.gz"), *p.glob("*.warc")])
    if not p.exists():
        raise BadWarc(f"{p}: no such file")
    return [p]


def _read_bounded(stream: Any, limit: int) -> tuple[bytes, bool]:
    data = bytearray()
    while len(data) <= limit:
        chunk = stream.read(min(65536, limit + 1 - len(data)))
        if not chunk:
            return bytes(data), False
        data += chunk
    return bytes(data[:limit]), True


def _warc_date(text: str | None) -> datetime:
    if not text:
        return datetime(1970, 1, 1, tzinfo=UTC)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


def _plain_capture(record: Any, body: bytes, cut: bool, file: str) -> Capture:
    """A third-party response record as a page-only capture."""
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    when = _warc_date(record.rec_headers.get_header("WARC-Date"))
    http = record.http_headers
    headers = tuple((str(k), str(v)) for k, v in (http.headers if http else []))
    status: int | None = None
    if http is not None:
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
    encoding = http.get_header("Content-Encoding") if http else None
    decoded = decode(body, encoding, DEFAULT_DECODED)
    exchange = Exchange(
        role="page",
        url=uri,
        started=when,
        outcome=Outcome.OK,
        reason=decoded.reason,
        peer=record.rec_headers.get_header("WARC-IP-Address"),
        status=status,
        http_version=(http.protocol if http and http.protocol else "HTTP/1.1"),
        status_text=(http.statusline.split(" ", 1)[1] if http and " " in http.statusline else ""),
        headers=headers,
        payload=body,
        content=decoded.content,
        truncated=cut or decoded.truncated,
    )
    try:
        host = URL(uri).host or ""
    except ValueError:
        host = ""
    return Capture(
        target=uri,
        host=host,
        started=when,
        finished=when,
        outcome=Outcome.OK,
        exchanges=(exchange,),
        warc_file=file,
    )


def _own_capture(doc: dict[str, Any], bodies: dict[str, bytes], file: str) -> Capture:
    limit = int(doc.get("decompressed_limit", DEFAULT_DECODED))
    exchanges: list[Exchange] = []
    for ex in doc["exchanges"]:
        payload = bodies.pop(ex.get("response_record") or "", b"")
        content = b""
        if payload and ex.get("outcome") != str(Outcome.REFUSED):
            encoding = None
            for key, value in ex.get("headers", ()):
                if str(key).lower() == "content-encoding":
                    encoding = str(value)
                    break
            content = decode(payload, encoding, limit).content
        exchanges.append(exchange_from_json(ex, payload, content))
    return capture_from_json(doc, tuple(exchanges), file)


def _captures_in(path: Path, end: int | None = None) -> Iterator[Capture]:
    pending: dict[str, bytes] = {}  # response record id -> body, until its metadata
    offset = 0
    own = False  # set by a Revenant warcinfo record
    try:
        with path.open("rb") as whole:
            fh = whole if end is None else Upto(whole, end)
            it = ArchiveIterator(fh, check_digests=False)
            for record in it:
                if not str(record.format).startswith("warc"):
                    raise BadWarc(f"{path} offset {offset}: not a WARC record ({record.format})")
                rtype = record.rec_type
                rid = record.rec_headers.get_header("WARC-Record-ID") or ""
                ctype = record.rec_headers.get_header("Content-Type") or ""
                if rtype == "response":
                    body, cut = _read_bounded(record.raw_stream, MAX_BODY)
                    if record.http_headers is None:
                        continue
                    if own and rid:
                        pending[rid] = body
                    else:
                        yield _plain_capture(record, body, cut, str(path))
                elif rtype == "metadata" and ctype.startswith("application/json") and own:
                    raw, cut = _read_bounded(record.raw_stream, MAX_BODY)
                    offset = it.get_record_offset()
                    try:
                        doc = json.loads(raw)
                    except ValueError as exc:
                        raise BadWarc(
                            f"{path} offset {offset}: metadata is not JSON ({exc})"
                        ) from None
                    if isinstance(doc, dict) and doc.get("format") == FORMAT:
                        try:
                            yield _own_capture(doc, pending, str(path))
                        except (KeyError, TypeError, ValueError) as exc:
                            raise BadWarc(
                                f"{path} offset {offset}: metadata does not describe a capture ({exc})"
                            ) from None
                        pending.clear()
                elif rtype == "warcinfo":
                    info, _ = _read_bounded(record.raw_stream, 65536)
                    own = b"software: Revenant/" in info
                # Only after the body is read: asking earlier makes warcio skip it.
                offset = it.get_record_offset() + it.get_record_length()
    except BadWarc:
        raise
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, UnicodeError, Exception) as exc:
        # warcio and zlib raise many types on hostile input; all mean "unreadable here".
        raise BadWarc(
            f"{path} offset {offset}: cannot read WARC record ({type(exc).__name__}: {exc})"
        ) from None


def read_captures(path: str | Path, *, ends: dict[str, int] | None = None) -> Iterator[Capture]:
    """Every capture in a WARC file (or a directory of them), streaming, in file order;
    `ends`: read each named file only up to that byte."""
    for file in warc_files(path):
        yield from _captures_in(file, (ends or {}).get(file.name))
