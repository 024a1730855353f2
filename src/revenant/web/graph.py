"""The case's infrastructure graph, laid out on the server and drawn as SVG: the hosts
the platform was seen on, and the addresses, networks, AS numbers, name servers,
certificates and identifiers their captures showed.

What several hosts share is always drawn; what only one host showed is drawn while the
graph stays readable (MAX_NODES). The layout is a seeded force-directed one
(Fruchterman-Reingold), so the same data always gives the same picture.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from revenant.act.timeline import NameTimeline
from revenant.match.background import IDENTIFIER_KINDS
from revenant.match.explain import label, shorten
from revenant.store.case_views import Observed

INFRA_KINDS: dict[str, str] = {
    "ip": "ip",
    "net": "network",
    "asn": "asn",
    "ns": "nameserver",
    "spki": "certificate",
    **dict.fromkeys(IDENTIFIER_KINDS, "identifier"),
}
"""Feature kind -> node class (the CSS class that colours it)."""
MAX_NODES = 160
WIDTH, HEIGHT, MARGIN = 960, 640, 40
_ITERATIONS = 200


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    title: str  # the full value, shown on hover
    cls: str  # "seized", "open", "confirmed", "dismissed", "ip", "identifier", ...
    x: float
    y: float
    r: float
    href: str = ""


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    left_out: int  # single-host features not drawn


def _layout(n: int, pairs: Sequence[tuple[int, int]], seed: int = 0) -> np.ndarray:
    """Positions in the unit square, Fruchterman-Reingold with a linear cooling."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n < 2:
        return np.full((n, 2), 0.5)
    k = math.sqrt(1.0 / n)
    edges = np.array(pairs, dtype=int).reshape(-1, 2)
    temperature = 0.1
    for step in range(_ITERATIONS):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        push = (k * k / dist**2)[:, :, None] * delta
        move = push.sum(axis=1)
        if len(edges):
            d = pos[edges[:, 0]] - pos[edges[:, 1]]
            length = np.maximum(np.linalg.norm(d, axis=1), 1e-3)[:, None]
            pull = d * length / k
            np.add.at(move, edges[:, 0], -pull)
            np.add.at(move, edges[:, 1], pull)
        size = np.maximum(np.linalg.norm(move, axis=1), 1e-9)[:, None]
        pos += move / size * np.minimum(size, temperature)
        temperature = 0.1 * (1 - step / _ITERATIONS) + 0.002
    low, high = pos.min(axis=0), pos.max(axis=0)
    return (pos - low) / np.maximum(high - low, 1e-9)


def infrastructure(hops: Sequence[NameTimeline], observed: Sequence[Observed]) -> Graph:
    """Hosts (the case timeline's rows) and what they showed, as a laid-out graph."""
    hosts = {h.name: h for h in hops}
    by_feature: dict[tuple[str, str], set[str]] = defaultdict(set)
    for o in observed:
        if o.kind in INFRA_KINDS and o.host in hosts:
            by_feature[(o.kind, o.value)].add(o.host)
    ranked = sorted(by_feature.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    budget = max(0, MAX_NODES - len(hosts))
    kept = [kv for kv in ranked if len(kv[1]) > 1]
    singles = [kv for kv in ranked if len(kv[1]) == 1]
    kept += singles[: max(0, budget - len(kept))]
    kept = kept[:budget] if len(kept) > budget else kept
    keys = list(hosts)
    index = {h: i for i, h in enumerate(keys)}
    pairs: list[tuple[int, int]] = []
    for (kind, value), shown in kept:
        index[f"{kind}:{value}"] = len(keys)
        keys.append(f"{kind}:{value}")
        pairs.extend((index[h], index[f"{kind}:{value}"]) for h in sorted(shown))
    pos = _layout(len(keys), pairs)
    width, height = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def xy(i: int) -> tuple[float, float]:
        return MARGIN + float(pos[i, 0]) * width, MARGIN + float(pos[i, 1]) * height

    nodes = []
    for host, hop in hosts.items():
        x, y = xy(index[host])
        nodes.append(
            Node(
                host,
                shorten(host, 32),
                f"{host} ({hop.state}{'' if hop.seized else f', {hop.bits:.1f} bits'})",
                hop.state,
                x,
                y,
                9.0,
                "" if hop.seized else f"/alerts/{hop.alert_id}",
            )
        )
    for (kind, value), shown in kept:
        x, y = xy(index[f"{kind}:{value}"])
        nodes.append(
            Node(
                f"{kind}:{value}",
                shorten(value, 24),
                f"{label(kind)} {value} — shown by {len(shown)} host(s)",
                INFRA_KINDS[kind],
                x,
                y,
                5.0 + min(6.0, len(shown)),
            )
        )
    edges = []
    for a, b in pairs:
        (x1, y1), (x2, y2) = xy(a), xy(b)
        edges.append(Edge(x1, y1, x2, y2))
    return Graph(nodes, edges, WIDTH, HEIGHT, len(ranked) - len(kept))
