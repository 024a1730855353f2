"""Which stored captures look like a given one, and why: near-duplicate text or DOM
sketches (the SimHash index, rebuilt from the store) and exact shared identifying
features. A query over what is stored; it scores nothing and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from revenant.fingerprint.kinds import LOOKUP_KINDS
from revenant.match import NearDuplicateIndex
from revenant.model import Fingerprint
from revenant.store.captures import (
    captures_with,
    iter_fingerprints,
    load_fingerprint,
)
from revenant.store.db import Store


@dataclass(frozen=True)
class Similar:
    """A stored capture that looks like another one, and why."""

    capture_id: int
    host: str
    why: str


def similar_captures(store: Store, capture_id: int, *, limit: int = 50) -> list[Similar]:
    """The stored captures that look like capture `capture_id`, by id, at most `limit`.
    Exact lookups only for the kinds worth one (the `lookup` column of
    fingerprint/kinds.py: one operator's, not a template's)."""
    target = load_fingerprint(store, capture_id)
    hosts: dict[int | None, str] = {}

    def indexed() -> Iterator[tuple[int | None, Fingerprint]]:
        for fp in iter_fingerprints(store):
            hosts[fp.capture_id] = fp.host
            yield fp.capture_id, fp

    index = NearDuplicateIndex()
    index.rebuild(indexed())
    found: dict[int, Similar] = {}
    for match in index.query(target):
        if isinstance(match.key, int) and match.key != capture_id:
            why = f"{match.sketch} sketch {match.distance} bits apart"
            found.setdefault(match.key, Similar(match.key, hosts[match.key], why))
    for feature in sorted(target.features):
        if feature.kind not in LOOKUP_KINDS:
            continue
        for other, host in captures_with(store, feature, limit=limit):
            if other != capture_id and other not in found:
                found[other] = Similar(other, host, f"shares {feature}")
    return sorted(found.values(), key=lambda s: s.capture_id)[:limit]
