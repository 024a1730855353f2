"""Certificate transparency, RFC 6962: a client that follows a list of logs from a saved
position and turns every name in every logged certificate into a Candidate.

Leaves are parsed as the RFC lays them out (MerkleTreeLeaf -> TimestampedEntry ->
x509_entry | precert_entry) and the certificates with `cryptography`. The position in
each log is an explicit value (CtState) that the caller persists after it has stored a
batch's candidates, so a crash re-reads at most one batch and loses nothing.
Every response is size-capped and decoded by pure functions (`parse_sth`,
`parse_entries`, `parse_leaf`) that turn anything malformed into a ValueError with the
reason; a bad entry is counted and skipped with its index, never fatal; a bad answer
skips the log until the next pass.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import struct
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID

from revenant.discover.feed import FeedStats, check_name, decode_json, reason_kind
from revenant.errors import BadFeed
from revenant.model import Candidate, Clock, Source, utcnow

X509_ENTRY = 0
PRECERT_ENTRY = 1
MAX_RESPONSE = 32 * 1024 * 1024
MAX_TREE_SIZE = (1 << 63) - 1  # RFC 6962 tree sizes are uint64; Python ints are not
# What an unreachable log or a malformed answer from one raises: the log is skipped
# (and retried on the next pass), never the whole watch.
_LOG_ERRORS = (aiohttp.ClientError, TimeoutError, ValueError)
# What `cryptography` raises for a certificate it cannot read: not only ValueError
_CERT_ERRORS = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


# ------------------------------------------------------------------ state


@dataclass(frozen=True)
class CtState:
    """Next entry index to read in each log, by log URL. Immutable: `advanced` returns a
    new state. Serialises to a small JSON object ({"logs": {url: next_index}})."""

    positions: Mapping[str, int] = field(default_factory=dict)

    def get(self, url: str) -> int | None:
        return self.positions.get(url)

    def advanced(self, url: str, next_index: int) -> CtState:
        return CtState({**self.positions, url: next_index})

    def to_json(self) -> str:
        return json.dumps({"logs": dict(sorted(self.positions.items()))})

    @classmethod
    def from_json(cls, text: str) -> CtState:
        try:
            logs = json.loads(text)["logs"]
            return cls({str(k): int(v) for k, v in logs.items()})
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadFeed(f"CT state is not valid JSON state: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> CtState:
        """The state saved at `path`, or an empty state if there is none yet."""
        p = Path(path)
        return cls.from_json(p.read_text("utf-8")) if p.exists() else cls()

    def save(self, path: str | Path) -> None:
        """Write atomically (temp file, fsync, rename)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)


# ------------------------------------------------------------------ leaves


@dataclass(frozen=True)
class TreeHead:
    """What get-sth said (the signature is kept, not verified here)."""

    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes = b""


@dataclass(frozen=True)
class LogEntry:
    """One parsed log entry: its kind, log timestamp and the names it certifies."""

    index: int
    kind: str  # "x509" or "precert"
    timestamp: datetime
    names: tuple[str, ...]  # SAN dNSNames then subject CNs, as written in the certificate


def _u24(data: bytes, at: int) -> tuple[bytes, int]:
    if at + 3 > len(data):
        raise ValueError("length field past end of data")
    n = int.from_bytes(data[at : at + 3], "big")
    if at + 3 + n > len(data):
        raise ValueError(f"field of {n} bytes runs past end of data")
    return data[at + 3 : at + 3 + n], at + 3 + n


def _der_tlv(data: bytes, at: int) -> tuple[int, int]:
    """(start of value, end of element) of the DER element at `at`."""
    if at + 2 > len(data):
        raise ValueError("truncated DER")
    first = data[at + 1]
    if first < 0x80:
        return at + 2, at + 2 + first
    n = first & 0x7F
    if n == 0 or n > 4 or at + 2 + n > len(data):
        raise ValueError("bad DER length")
    length = int.from_bytes(data[at + 2 : at + 2 + n], "big")
    return at + 2 + n, at + 2 + n + length


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tbs_as_certificate(tbs: bytes) -> x509.Certificate:
    """Wrap a bare TBSCertificate (precert leaf) so `cryptography` can read its fields.
    The signature is empty: it is never verified, only the names are read."""
    start, end = _der_tlv(tbs, 0)
    if tbs[0] != 0x30 or end != len(tbs):
        raise ValueError("TBSCertificate is not one DER SEQUENCE")
    at = start
    if at < len(tbs) and tbs[at] == 0xA0:  # [0] version
        at = _der_tlv(tbs, at)[1]
    at = _der_tlv(tbs, at)[1]  # serialNumber
    alg_end = _der_tlv(tbs, at)[1]
    body = tbs + tbs[at:alg_end] + b"\x03\x01\x00"
    return x509.load_der_x509_certificate(b"\x30" + _der_len(len(body)) + body)


def certificate_names(cert: x509.Certificate) -> tuple[str, ...]:
    """SAN dNSNames, then subject common names not already listed."""
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
        names.extend(san.value.get_values_for_type(x509.DNSName))  # type: ignore[attr-defined]
    except x509.ExtensionNotFound:
        pass
    for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
        value = attr.value if isinstance(attr.value, str) else attr.value.decode("latin-1")
        if value not in names:
            names.append(value)
    return tuple(names)


def parse_leaf(index: int, leaf_input: bytes, extra_data: bytes = b"") -> LogEntry:
    """Parse one MerkleTreeLeaf; raises ValueError with a reason for anything malformed."""
    try:
        return _parse_leaf(index, leaf_input, extra_data)
    except _CERT_ERRORS as exc:
        if type(exc) is ValueError:
            raise
        raise ValueError(f"{type(exc).__name__}: {exc}") from None


def _parse_leaf(index: int, leaf_input: bytes, extra_data: bytes) -> LogEntry:
    if len(leaf_input) < 12:
        raise ValueError(f"leaf has {len(leaf_input)} bytes, too short for a MerkleTreeLeaf")
    version, leaf_type, ts_ms, entry_type = struct.unpack(">BBQH", leaf_input[:12])
    if version != 0 or leaf_type != 0:
        raise ValueError(f"unknown leaf version {version} or type {leaf_type}")
    try:
        when = datetime.fromtimestamp(ts_ms / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"timestamp {ts_ms} out of range") from exc
    if entry_type == X509_ENTRY:
        der, _ = _u24(leaf_input, 12)
        cert = x509.load_der_x509_certificate(der)
        kind = "x509"
    elif entry_type == PRECERT_ENTRY:
        tbs, _ = _u24(leaf_input, 12 + 32)
        try:
            cert = _tbs_as_certificate(tbs)
        except _CERT_ERRORS:
            pre, _ = _u24(extra_data, 0)  # fall back on the full precertificate
            cert = x509.load_der_x509_certificate(pre)
        kind = "precert"
    else:
        raise ValueError(f"unknown entry type {entry_type}")
    return LogEntry(index, kind, when, certificate_names(cert))


# ------------------------------------------------------------------ client


class CtLogClient:
    """get-sth and get-entries against one log (`url` is the log's prefix, ending in /)."""

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession,
        *,
        timeout: float = 30.0,
        max_bytes: int = MAX_RESPONSE,
    ) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max = max_bytes

    async def _get(self, path: str, params: dict[str, int] | None = None) -> bytes:
        async with self._session.get(
            self.url + path, params=params, timeout=self._timeout, allow_redirects=False
        ) as resp:
            body = await resp.content.read(self._max + 1)
            if len(body) > self._max:
                raise ValueError(f"{path} response over {self._max} bytes")
            if resp.status != 200:
                raise ValueError(f"{path} answered HTTP {resp.status}")
            return body

    async def get_sth(self) -> TreeHead:
        """The log's current signed tree head."""
        return parse_sth(await self._get("ct/v1/get-sth"))

    async def get_entries(self, start: int, end: int) -> list[RawEntry]:
        """Entries start..end inclusive, each raw or the reason it is unusable; a log may
        return fewer."""
        return parse_entries(
            await self._get("ct/v1/get-entries", {"start": start, "end": end}), end - start + 1
        )


RawEntry = tuple[bytes, bytes] | str
"""One get-entries item: (leaf_input, extra_data), or why it cannot be used."""


def _json(body: bytes, what: str) -> dict[str, Any]:
    """A JSON object answer; ValueError for anything else (nesting too deep included:
    json raises RecursionError for that)."""
    try:
        data = decode_json(body)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what}: not a JSON object")
    return data


def _uint(data: dict[str, Any], key: str, what: str) -> int:
    value = data.get(key)
    if type(value) is not int or not 0 <= value <= MAX_TREE_SIZE:  # not bool, not 1e99999
        raise ValueError(f"{what}: {key} is {_shown(value)}, not an integer 0..2^63-1")
    return value


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} is {_shown(value)}, not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what} is not valid base64 ({exc})") from None


def _shown(value: Any) -> str:
    """A JSON value in a message, short (a hostile one may be megabytes)."""
    if isinstance(value, (dict, list)):
        return f"a JSON {'object' if isinstance(value, dict) else 'array'}"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


def parse_sth(body: bytes) -> TreeHead:
    """A get-sth answer; ValueError naming what is wrong with it."""
    data = _json(body, "get-sth")
    root = _b64(data.get("sha256_root_hash"), "get-sth: sha256_root_hash")
    if len(root) != 32:
        raise ValueError(f"get-sth: sha256_root_hash has {len(root)} bytes, not 32")
    return TreeHead(
        _uint(data, "tree_size", "get-sth"),
        _uint(data, "timestamp", "get-sth"),
        root,
        _b64(data.get("tree_head_signature", ""), "get-sth: tree_head_signature"),
    )


def parse_entries(body: bytes, most: int) -> list[RawEntry]:
    """The first `most` entries of a get-entries answer, each (leaf_input, extra_data)
    or the reason it cannot be used; ValueError when the answer as a whole is unusable."""
    entries = _json(body, "get-entries").get("entries")
    if not isinstance(entries, list):
        raise ValueError(f"get-entries: entries is {_shown(entries)}, not a list")
    out: list[RawEntry] = []
    for e in entries[: max(0, most)]:
        if not isinstance(e, dict):
            out.append(f"entry is {_shown(e)}, not an object")
            continue
        try:
            extra = e.get("extra_data", "")
            out.append((_b64(e.get("leaf_input"), "leaf_input"), _b64(extra, "extra_data")))
        except ValueError as exc:
            out.append(str(exc))
    return out


@dataclass(frozen=True)
class CtBatch:
    """Candidates from entries [start, end) of one log, and the state to save once they
    are stored."""

    log: str
    start: int
    end: int
    candidates: tuple[Candidate, ...]
    state: CtState


async def follow(
    logs: Sequence[str],
    state: CtState,
    *,
    session: aiohttp.ClientSession | None = None,
    clock: Clock = utcnow,
    stats: FeedStats | None = None,
    batch: int = 256,
    max_entries: int | None = None,
    start_at_end: bool = True,
) -> AsyncIterator[CtBatch]:
    """One pass over `logs`: read every entry after the saved position up to the current
    tree head (at most `max_entries` per log) and yield them batch by batch.

    A log missing from `state` starts at its current end (`start_at_end`) or at 0.
    """
    stats = stats if stats is not None else FeedStats()
    own = session is None
    sess = session or aiohttp.ClientSession()
    try:
        for url in logs:
            client = CtLogClient(url, sess)
            try:
                sth = await client.get_sth()
            except _LOG_ERRORS as exc:
                stats.skip(url, "get-sth", f"log unavailable ({exc})", "log_unavailable")
                continue
            pos = state.get(url)
            if pos is None:
                pos = sth.tree_size if start_at_end else 0
            if pos > sth.tree_size:
                why = f"saved position {pos} is past the tree size {sth.tree_size}"
                stats.skip(url, "get-sth", f"{why} (another log at this URL?)", "log_unavailable")
                continue
            stop = sth.tree_size if max_entries is None else min(sth.tree_size, pos + max_entries)
            while pos < stop:
                try:
                    raw = await client.get_entries(pos, min(pos + batch, stop) - 1)
                except _LOG_ERRORS as exc:
                    stats.skip(
                        url, f"entries from {pos}", f"get-entries failed ({exc})", "log_unavailable"
                    )
                    break
                if not raw:
                    break
                cands = _candidates(url, pos, raw, clock, stats)
                state = state.advanced(url, pos + len(raw))
                yield CtBatch(url, pos, pos + len(raw), tuple(cands), state)
                pos += len(raw)
    finally:
        if own:
            await sess.close()


def _candidates(
    url: str, start: int, raw: list[RawEntry], clock: Clock, stats: FeedStats
) -> list[Candidate]:
    out: list[Candidate] = []
    now = clock()
    for offset, item in enumerate(raw):
        index = start + offset
        stats.read += 1
        if isinstance(item, str):
            stats.skip(url, f"entry {index}", f"malformed entry ({item})", "bad_entry")
            continue
        try:
            entry = parse_leaf(index, *item)
        except ValueError as exc:
            stats.skip(url, f"entry {index}", f"invalid certificate ({exc})", "invalid_cert")
            continue
        seen: set[str] = set()
        for raw_name in entry.names:
            name, reason = check_name(raw_name, "SAN")
            if name is None:
                stats.skip(url, f"entry {index}", reason or "bad name", reason_kind(reason or ""))
                continue
            if name not in seen:
                seen.add(name)
                stats.names += 1
                out.append(Candidate(name, Source.CT, now, f"{url} entry {index} ({entry.kind})"))
    return out
