"""Reading captures back from WARC: Revenant's own files become the exact `Capture`s
that were written; a plain third-party WARC gives one page-only capture per response.

It must never trust a WARC: bodies are read with a byte bound, decoding is bounded,
and an unreadable file raises `BadWarc` naming the file and the record offset, never a
bare library exception. A record cut short or whose Content-Length runs past its data
is an error, never read as complete: a capture is given out only once the file is
known sound past it. It never writes.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.limitreader import LimitReader
from yarl import URL

from revenant.errors import BadWarc
from revenant.evidence.metadata import (
    FORMAT,
    capture_from_json,
    exchange_from_json,
    rendering_from_json,
)
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
    render = doc.get("render")
    rendering = None
    if isinstance(render, dict):
        rendering = rendering_from_json(
            render,
            bodies.pop(render.get("dom_record") or "", b""),
            bodies.pop(render.get("screenshot_record") or "", b""),
        )
    return capture_from_json(doc, tuple(exchanges), file, rendering)


def _captures_in(path: Path, end: int | None = None) -> Iterator[Capture]:
    pending: dict[str, bytes] = {}  # response/resource record id -> body, until its metadata
    ready: list[Capture] = []  # built, given out once the file is known sound past them
    offset = 0  # where the record being read starts (the last one read, after it)
    last = 0  # where the last complete record starts
    own = False  # set by a Revenant warcinfo record
    try:
        with path.open("rb") as whole:
            fh = whole if end is None else Upto(whole, end)
            it = ArchiveIterator(fh, check_digests=False)
            it.INC_RECORD = ""  # warcio's own warning goes to stderr; _read_record raises
            for record in it:
                yield from ready  # the record before them ended where the next began
                ready.clear()
                if not str(record.format).startswith("warc"):
                    raise BadWarc(f"{path} offset {offset}: not a WARC record ({record.format})")
                rtype = record.rec_type
                rid = record.rec_headers.get_header("WARC-Record-ID") or ""
                ctype = record.rec_headers.get_header("Content-Type") or ""
                limit = {"response": MAX_BODY, "warcinfo": 65536}.get(rtype, 0)
                if rtype == "metadata" and ctype.startswith("application/json") and own:
                    limit = MAX_BODY
                if rtype == "resource" and own and rid:  # a rendering's DOM and screenshot
                    limit = MAX_BODY
                body, cut = _read_bounded(record.raw_stream, limit) if limit else (b"", False)
                offset, length = _read_record(it, record, path)
                if rtype == "response":
                    if record.http_headers is not None:
                        if own and rid:
                            pending[rid] = body
                        else:
                            ready.append(_plain_capture(record, body, cut, str(path)))
                elif limit and rtype == "resource":
                    pending[rid] = body
                elif limit and rtype == "metadata":
                    try:
                        doc = json.loads(body)
                    except (ValueError, RecursionError) as exc:
                        raise BadWarc(
                            f"{path} offset {offset}: metadata is not JSON ({exc})"
                        ) from None
                    if isinstance(doc, dict) and doc.get("format") == FORMAT:
                        try:
                            ready.append(_own_capture(doc, pending, str(path)))
                        except (KeyError, TypeError, ValueError) as exc:
                            raise BadWarc(
                                f"{path} offset {offset}: metadata does not describe a capture ({exc})"
                            ) from None
                        pending.clear()
                elif rtype == "warcinfo":
                    own = b"software: Revenant/" in body
                last, offset = offset, offset + length
        if _is_gzip(path):
            _check_gzip_tail(path, last, end)
        else:
            _check_plain_tail(path, offset, end)
    except BadWarc:
        raise
    except (ArchiveLoadFailed, OSError, EOFError, ValueError, UnicodeError, Exception) as exc:
        # warcio and zlib raise many types on hostile input; all mean "unreadable here".
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]  # one line
        raise BadWarc(f"{path} offset {offset}: cannot read WARC record ({why})") from None
    yield from ready


_DIGITS = re.compile(r"[0-9]{1,18}")


def _read_record(it: ArchiveIterator, record: Any, path: Path) -> tuple[int, int]:
    """Read the rest of `record` and check it is whole: its Content-Length is a number,
    the file holds that many bytes, and a blank line follows them. (offset, length) of
    the record in the file; BadWarc naming the offset otherwise, so that a cut or
    overlong record is never read as if it were complete.

    warcio reads on leniently: a short record ends early, an overlong one swallows the
    start of the next (it only writes a warning to stderr, counted in `err_count`, which
    is read here; warcio==1.8.1 is pinned for that, and tests/evidence/test_read.py
    fails if it changes)."""
    stream = record.raw_stream
    while stream.read(65536):
        pass
    errors = it.err_count
    offset, length = it.get_record_offset(), it.get_record_length()  # reads the blank line
    declared = record.rec_headers.get_header("Content-Length")
    if declared is None or not _DIGITS.fullmatch(declared.strip()):
        shown = "none" if declared is None else repr(declared[:40])
        raise BadWarc(f"{path} offset {offset}: record has no valid Content-Length ({shown})")
    held = stream.tell() if isinstance(stream, LimitReader) else record.length
    if held < record.length:
        raise BadWarc(
            f"{path} offset {offset}: record is cut: its Content-Length is {record.length} "
            f"bytes, the file holds {held} of them"
        )
    if it.err_count != errors:
        raise BadWarc(
            f"{path} offset {offset}: no blank line where its Content-Length "
            f"({record.length}) ends: the length runs past the record's data"
        )
    return offset, length


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _chunks(path: Path, start: int, stop: int | None) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of the file from `start` to `stop` (None: its end), in chunks."""
    with path.open("rb") as fh:
        fh.seek(start)
        at = start
        while stop is None or at < stop:
            chunk = fh.read(1 << 16 if stop is None else min(1 << 16, stop - at))
            if not chunk:
                return
            yield at, chunk
            at += len(chunk)


def _check_plain_tail(path: Path, end: int, stop: int | None = None) -> None:
    """BadWarc unless only blank lines follow the last record (which ends at `end`), up to
    `stop` (a snapshot's end; None: the file's): warcio stops quietly at a record cut in
    its first line."""
    for _, chunk in _chunks(path, end, stop):
        if chunk.strip(b"\r\n"):
            raise BadWarc(f"{path} offset {end}: the file ends with bytes that are no whole record")


def _check_gzip_tail(path: Path, start: int, stop: int | None = None) -> None:
    """BadWarc unless the gzip members from `start` (the last record's) to `stop` (a
    snapshot's end; None: the file's) are whole. warcio stops quietly at a member cut
    short: the last record would be read as complete, or a record cut in its headers not
    seen at all."""
    member = zlib.decompressobj(31)
    fed = False  # whether `member` has been given any bytes
    for at, chunk in _chunks(path, start, stop):
        data = chunk
        while data:
            try:
                member.decompress(data, 1 << 20)
            except zlib.error as exc:
                raise BadWarc(f"{path} offset {start}: gzip data is damaged ({exc})") from None
            fed = True
            data = member.unconsumed_tail
            if member.eof:
                start = at + len(chunk) - len(member.unused_data)  # where the next one starts
                data = member.unused_data + data
                member, fed = zlib.decompressobj(31), False
    if fed and not member.eof:
        raise BadWarc(f"{path} offset {start}: the file ends inside a gzip member (cut)")


def read_captures(path: str | Path, *, ends: dict[str, int] | None = None) -> Iterator[Capture]:
    """Every capture in a WARC file (or a directory of them), streaming, in file order;
    `ends`: read each named file only up to that byte."""
    for file in warc_files(path):
        yield from _captures_in(file, (ends or {}).get(file.name))
