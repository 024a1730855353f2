"""Name lists: newly-registered-domain (NRD) files, zone-file diffs, and analyst tips.

Files are plain or gzip and are streamed line by line (discover.feed.read_lines);
a zone diff holds only the old zone's delegated names in memory, never the new zone.
Bad lines are counted and skipped with their file and line; nothing here does network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from revenant.discover.feed import FeedStats, Stop, check_name, never_stop, read_lines, reason_kind
from revenant.errors import BadFeed
from revenant.model import Candidate, Clock, Source, utcnow

_CLASSES = frozenset({"IN", "CH", "HS", "CS"})


def nrd(
    path: str | Path,
    *,
    stats: FeedStats | None = None,
    clock: Clock = utcnow,
    stop: Stop = never_stop,
) -> Iterator[Candidate]:
    """Candidates from a newly-registered-domain list: one name per line (the first
    comma, tab or space separated field); '#' starts a comment. `stop` ends the reading
    early (see feed.read_lines)."""
    stats = stats if stats is not None else FeedStats()
    feed = Path(path).name
    now = clock()
    for number, text in read_lines(path, stats, stop=stop):
        field = text.split("#", 1)[0].replace(",", " ").replace("\t", " ").strip()
        if not field:
            continue
        raw = field.split(" ", 1)[0]
        name, reason = check_name(raw)
        if name is None:
            stats.skip(feed, f"line {number}", reason or "bad name", reason_kind(reason or ""))
            continue
        stats.names += 1
        yield Candidate(name, Source.NRD, now, f"{feed} line {number}")


def zone_names(
    path: str | Path,
    *,
    stats: FeedStats | None = None,
    types: frozenset[str] = frozenset({"NS"}),
    origin: str = "",
    stop: Stop = never_stop,
) -> Iterator[tuple[int, str]]:
    """(line number, owner name) of the records of `types` in an RFC 1035 master file,
    once per consecutive owner; the zone apex is left out."""
    stats = stats if stats is not None else FeedStats()
    feed = Path(path).name
    origin = origin.lower().rstrip(".")
    owner = ""
    depth = 0
    last = ""
    for number, text in read_lines(path, stats, stop=stop):
        body = text.split(";", 1)[0]
        continued = depth > 0
        depth = max(0, depth + body.count("(") - body.count(")"))
        if continued or not body.strip():
            continue
        fields = body.replace("(", " ").replace(")", " ").split()
        if not fields:  # only parentheses
            continue
        if fields[0].upper() == "$ORIGIN" and len(fields) > 1:
            origin = fields[1].lower().rstrip(".")
            continue
        if fields[0].startswith("$"):
            continue
        if not body[0].isspace():
            owner = _absolute(fields[0].lower(), origin)
            rest = fields[1:]
        else:
            rest = fields
        rtype = next((f.upper() for f in rest if not f.isdigit() and f.upper() not in _CLASSES), "")
        if not owner:
            stats.skip(feed, f"line {number}", "record before any owner name", "bad_zone_line")
            continue
        if rtype in types and owner != origin and owner != last:
            last = owner
            yield number, owner


def _absolute(name: str, origin: str) -> str:
    if name == "@":
        return origin
    if name.endswith("."):
        return name.rstrip(".")
    return f"{name}.{origin}" if origin else name


def zone_diff(
    old: str | Path,
    new: str | Path,
    *,
    stats: FeedStats | None = None,
    clock: Clock = utcnow,
    origin: str = "",
    stop: Stop = never_stop,
) -> Iterator[Candidate]:
    """Candidates for names delegated in `new` and not in `old` (newly registered)."""
    stats = stats if stats is not None else FeedStats()
    before = {n for _, n in zone_names(old, stats=stats, origin=origin, stop=stop)}
    feed = Path(new).name
    now = clock()
    for number, raw in zone_names(new, stats=stats, origin=origin, stop=stop):
        if raw in before:
            continue
        before.add(raw)
        name, reason = check_name(raw)
        if name is None:
            stats.skip(feed, f"line {number}", reason or "bad name", reason_kind(reason or ""))
            continue
        stats.names += 1
        yield Candidate(
            name, Source.ZONE, now, f"{feed} line {number} (new since {Path(old).name})"
        )


def tip(
    target: str, *, case: str | None = None, note: str = "", clock: Clock = utcnow
) -> Candidate:
    """A Candidate from an analyst's tip: a hostname or a URL (the URL is kept in
    `detail` so the prober can fetch that exact page). Raises BadFeed if unusable."""
    text = target.strip()
    try:
        if "://" in text:
            parts = urlsplit(text)
            host, _ = parts.hostname, parts.port  # .port raises for an impossible port
        else:
            host = text.split("/", 1)[0]
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535"
        raise BadFeed(f"tip {text[:100]!r}: not a usable URL ({exc})") from None
    name, reason = check_name(host or "", "tip")
    if name is None:
        raise BadFeed(f"tip {text[:100]!r}: {reason}")
    detail = " ".join(p for p in (text if "://" in text else "", note) if p)
    return Candidate(name, Source.TIP, clock(), detail, case=case, priority=1.0)
