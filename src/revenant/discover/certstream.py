"""Certstream: the JSON message format of certstream servers, read live over WebSocket
or replayed from a file (JSON lines, plain or gzip). Every name in a message becomes a
Candidate(source=Source.CT).

Understands "certificate_update" messages (leaf_cert.all_domains, else the
subjectAltName text and subject CN), "dns_entries" (domains-only streams) and ignores
"heartbeat". Anything else is counted and skipped with its line or message number (a
field of the wrong JSON type, JSON nested too deep to decode, numbers out of range);
the stream keeps going.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from revenant.discover.feed import (
    FeedStats,
    Stop,
    check_name,
    decode_json,
    never_stop,
    read_lines,
    reason_kind,
)
from revenant.model import Candidate, Clock, Source, utcnow

MAX_MESSAGE = 1 << 20


def _object(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """parent[key] as a JSON object ({} when absent or null); ValueError when it is
    something else."""
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}.{key} is a {_json_type(value)}, not an object")
    return value


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def message_names(message: Any) -> tuple[str, list[Any]] | None:
    """(label for provenance, raw names) of one decoded message; None for heartbeats.
    Raises ValueError with a reason for a message that is not certstream."""
    if not isinstance(message, dict):
        raise ValueError("message is not a JSON object")
    kind = message.get("message_type")
    data = message.get("data")
    if kind == "heartbeat":
        return None
    if kind == "dns_entries":
        if not isinstance(data, list):
            raise ValueError("dns_entries without a data list")
        return "dns_entries", data
    if kind != "certificate_update":
        shown = repr(kind[:40]) if isinstance(kind, str) else f"of type {_json_type(kind)}"
        raise ValueError(f"unknown message_type {shown}")
    if not isinstance(data, dict) or not isinstance(data.get("leaf_cert"), dict):
        raise ValueError("certificate_update without data.leaf_cert")
    leaf = data["leaf_cert"]
    names = leaf.get("all_domains")
    if not isinstance(names, list):
        names = []
        san = _object(leaf, "extensions", "leaf_cert").get("subjectAltName") or ""
        if isinstance(san, str):
            names = [p.strip()[4:] for p in san.split(",") if p.strip().startswith("DNS:")]
        cn = _object(leaf, "subject", "leaf_cert").get("CN")
        if isinstance(cn, str) and cn not in names:
            names.append(cn)
    source = data.get("source")
    if not isinstance(source, dict):
        source = {}
    label = _label(source.get("name")) or _label(source.get("url")) or "certstream"
    index = data.get("cert_index")
    return (f"{label} cert {index}" if isinstance(index, int) else label), names


def _label(value: Any) -> str:
    """A source name or URL fit for a provenance line, or "" (not a string)."""
    return value[:200] if isinstance(value, str) else ""


def _candidates(
    message: Any, feed: str, where: str, clock: Clock, stats: FeedStats
) -> Iterator[Candidate]:
    try:
        got = message_names(message)
    except ValueError as exc:
        stats.skip(feed, where, str(exc), "bad_message")
        return
    if got is None:
        return
    label, names = got
    now = clock()
    seen: set[str] = set()
    for raw in names:
        if not isinstance(raw, str):
            stats.skip(feed, where, "name is not a string", "bad_message")
            continue
        name, reason = check_name(raw, "SAN")
        if name is None:
            stats.skip(feed, where, reason or "bad name", reason_kind(reason or ""))
        elif name not in seen:
            seen.add(name)
            stats.names += 1
            yield Candidate(name, Source.CT, now, f"{label} ({feed} {where})")


def replay(
    path: str | Path,
    *,
    stats: FeedStats | None = None,
    clock: Clock = utcnow,
    stop: Stop = never_stop,
) -> Iterator[Candidate]:
    """Candidates from a certstream replay file, in file order; bad lines are skipped.
    `stop` ends the reading early (see feed.read_lines)."""
    stats = stats if stats is not None else FeedStats()
    feed = Path(path).name
    for number, text in read_lines(path, stats, max_line=MAX_MESSAGE, stop=stop):
        if not text.strip():
            continue
        try:
            message = decode_json(text)
        except ValueError as exc:
            stats.skip(feed, f"line {number}", str(exc), "bad_json")
            continue
        yield from _candidates(message, feed, f"line {number}", clock, stats)


async def stream(
    url: str,
    *,
    stats: FeedStats | None = None,
    clock: Clock = utcnow,
    reconnect: bool = True,
    max_message: int = MAX_MESSAGE,
    pause: float = 1.0,
) -> AsyncIterator[Candidate]:
    """Candidates from a live certstream WebSocket. With `reconnect`, a dropped
    connection is re-opened with backoff (websockets' own); otherwise the iterator ends
    when the server closes. `pause` seconds separate a clean close from the reconnect
    (websockets backs off on its own only when connecting fails)."""
    stats = stats if stats is not None else FeedStats()
    count = 0
    async for ws in connect(url, max_size=max_message, open_timeout=30):
        try:
            async for frame in ws:
                count += 1
                stats.read += 1
                try:
                    message = decode_json(frame)
                except ValueError as exc:
                    stats.skip(url, f"message {count}", str(exc), "bad_json")
                    continue
                for cand in _candidates(message, url, f"message {count}", clock, stats):
                    yield cand
        except (ConnectionClosed, WebSocketException, OSError) as exc:
            stats.skip(url, f"message {count}", f"connection lost ({exc})", "connection")
        if not reconnect:
            return
        await asyncio.sleep(pause)
