"""What every discovery feed shares: turning a raw name from outside into a clean ASCII
hostname or a counted, logged reason to skip it, and the counters the watch loop reports.

A feed never stops on bad data: each bad line, certificate or name becomes one
errors.BadFeed message ("feed ct.json line 48213: SAN has 312 characters (max 253);
skipped"), logged and counted, and the iterator moves on.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from revenant import hostnames as idn
from revenant.errors import BadFeed

log = logging.getLogger("revenant.discover")

MAX_REASONS_KEPT = 100


def check_name(raw: str, what: str = "name") -> tuple[str | None, str | None]:
    """(ASCII hostname, None) for a usable name, else (None, reason).

    Lower-cases, drops a trailing dot and a leading wildcard label ("*.example.com"
    becomes "example.com"), and accepts Unicode or A-label input.
    """
    if len(raw) > idn.MAX_NAME + 2:
        return None, f"{what} has {len(raw)} characters (max {idn.MAX_NAME})"
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in raw):
        return None, f"{what} {raw!r} contains control characters"
    name = raw.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    if not name:
        return None, f"{what} is empty"
    if len(name) > idn.MAX_NAME:
        return None, f"{what} has {len(name)} characters (max {idn.MAX_NAME})"
    if name.rpartition(".")[2].isdigit():
        return None, f"{what} {_short(name)!r} is an IP address, not a hostname"
    ascii_name = idn.to_ascii(name)
    if ascii_name is None:
        return None, f"{what} {_short(name)!r} is not a valid IDNA hostname"
    return ascii_name, None


def decode_json(text: str | bytes) -> Any:
    """One JSON document; ValueError with the reason for anything json cannot decode,
    nesting too deep for it included (json raises RecursionError for that)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("malformed JSON (nested too deep)") from None
    except ValueError as exc:
        raise ValueError(f"malformed JSON ({exc})") from None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class FeedStats:
    """Counters for one or more feeds: what was read, kept and skipped, and why."""

    read: int = 0  # lines, messages or log entries read
    names: int = 0  # names turned into candidates
    skipped: Counter[str] = field(default_factory=Counter)  # by short reason
    recent: list[str] = field(default_factory=list)  # last messages, newest last

    def skip(self, feed: str, where: str, reason: str, kind: str) -> BadFeed:
        """Count and log one skipped item; returns the error for callers that want it."""
        err = BadFeed(f"feed {feed} {where}: {reason}; skipped")
        self.skipped[kind] += 1
        self.recent.append(str(err))
        del self.recent[:-MAX_REASONS_KEPT]
        log.warning("%s", err)
        return err

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, object]:
        """A JSON-able summary for the watch loop's status line."""
        return {
            "read": self.read,
            "names": self.names,
            "skipped": self.total_skipped,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
        }


def reason_kind(reason: str) -> str:
    """A stable short key for a reason message, for counting."""
    for key, kind in _KINDS:
        if key in reason:
            return kind
    return "other"


_KINDS = (
    ("characters (max", "too_long"),
    ("control characters", "control_chars"),
    ("IDNA", "invalid_idna"),
    ("IP address", "ip_address"),
    ("empty", "empty"),
)


# ------------------------------------------------------------------ files

MAX_LINE = 1 << 20  # a feed line longer than this is skipped, not read into memory
# After an over-long line, at most this many more bytes are read looking for its end: an
# endless input without newlines (/dev/zero) ends the file instead of the watch.
MAX_SKIP = 16 * MAX_LINE
GZIP_MAGIC = b"\x1f\x8b"

Stop = Callable[[], bool]
"""Asked while a feed is read: True once the watch is stopping (SIGTERM, SIGINT)."""


def never_stop() -> bool:
    """The default `Stop`: a feed read outside the watch runs to its end."""
    return False


def read_lines(
    path: str | Path,
    stats: FeedStats,
    *,
    max_line: int = MAX_LINE,
    max_skip: int = MAX_SKIP,
    stop: Stop = never_stop,
) -> Iterator[tuple[int, str]]:
    """(line number, text) of a plain or gzip file, streamed; bad lines are counted and
    skipped, a truncated or corrupt gzip stream ends the file with a logged reason, and
    so does an over-long line whose end is not within `max_skip` more bytes. `stop` is
    asked before each line (and each `max_line` bytes skipped): once it says so, the file
    is left where it is, with a logged reason. (A read that blocks, on a pipe with no
    writer, waits for it.) Raises OSError when the file cannot be opened or read."""
    p = Path(path)
    feed = p.name
    with open(p, "rb") as raw:
        magic = raw.peek(2)[:2]  # not read(): pipes and devices cannot seek back
        fh: IO[bytes] | gzip.GzipFile = gzip.GzipFile(fileobj=raw) if magic == GZIP_MAGIC else raw
        number = 0
        while True:
            number += 1
            if stop():
                stats.skip(feed, f"line {number}", "watch stopping, rest not read", "stopped")
                return
            try:
                line = fh.readline(max_line + 1)
                if len(line) > max_line:
                    stats.read += 1
                    gave_up = _skip_rest(fh, line, max_line, max_skip, stop)
                    if gave_up:
                        stats.skip(feed, f"line {number}", *gave_up)
                        return
                    stats.skip(feed, f"line {number}", f"line over {max_line} bytes", "too_long")
                    continue
            except EOFError:
                stats.skip(
                    feed, f"line {number}", "truncated gzip (stream ends early)", "truncated_gzip"
                )
                return
            except (gzip.BadGzipFile, zlib.error) as exc:
                stats.skip(feed, f"line {number}", f"corrupt gzip ({exc})", "corrupt_gzip")
                return
            if not line:
                return
            stats.read += 1
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                stats.skip(feed, f"line {number}", "not UTF-8", "not_utf8")
                continue
            yield number, text.rstrip("\r\n")


def _skip_rest(
    fh: IO[bytes] | gzip.GzipFile, line: bytes, max_line: int, max_skip: int, stop: Stop
) -> tuple[str, str] | None:
    """Read past the rest of an over-long line, at most `max_skip` bytes. (reason, kind)
    to give up on the file, or None when the line ended (or the file did)."""
    skipped = 0
    while line and not line.endswith(b"\n"):
        if skipped >= max_skip:
            why = f"line over {max_line} bytes and no line end in the next {max_skip}"
            return f"{why}; rest of the file not read", "too_long"
        if stop():
            return "watch stopping while skipping an over-long line; rest not read", "stopped"
        line = fh.readline(max_line)
        skipped += len(line)
    return None
