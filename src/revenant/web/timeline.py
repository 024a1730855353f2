"""The case timeline: each host the platform was seen on, as a bar from its first to its
last capture, oldest first, drawn as SVG on the server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from revenant.store.case_views import Hop

ROW, LABEL_WIDTH, WIDTH, TOP = 22, 240, 960, 30
MIN_BAR = 4.0  # pixels: a host seen once is still visible


@dataclass(frozen=True)
class Bar:
    host: str
    cls: str  # the alert's state, or "seized"
    x: float
    y: float
    width: float
    title: str
    href: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    label_width: int


def _ticks(start: datetime, end: datetime, x: float, span: float) -> list[Tick]:
    total = (end - start).total_seconds()
    steps = 6
    out = []
    for i in range(steps + 1):
        when = start + timedelta(seconds=total * i / steps)
        fmt = "%Y-%m-%d" if total > 3 * 86400 else "%m-%d %H:%M" if total > 3600 else "%H:%M:%S"
        out.append(Tick(x + span * i / steps, when.strftime(fmt)))
    return out


def timeline(hops: Sequence[Hop]) -> Timeline:
    if not hops:
        return Timeline([], [], WIDTH, TOP, LABEL_WIDTH)
    start = min(h.first_seen for h in hops)
    end = max(h.last_seen for h in hops)
    total = max((end - start).total_seconds(), 1.0)
    span = WIDTH - LABEL_WIDTH - 20
    bars = []
    for row, hop in enumerate(hops):
        x = LABEL_WIDTH + span * (hop.first_seen - start).total_seconds() / total
        width = max(MIN_BAR, span * (hop.last_seen - hop.first_seen).total_seconds() / total)
        title = (
            f"{hop.host}: {hop.state}, {hop.captures} capture(s), first "
            f"{hop.first_seen:%Y-%m-%d %H:%M:%S}, last {hop.last_seen:%Y-%m-%d %H:%M:%S} UTC"
        )
        bars.append(
            Bar(
                hop.host,
                hop.state,
                x,
                TOP + row * ROW,
                width,
                title,
                f"/alerts/{hop.alert_id}" if hop.alert_id else "",
            )
        )
    return Timeline(
        bars, _ticks(start, end, LABEL_WIDTH, span), WIDTH, TOP + len(hops) * ROW + 10, LABEL_WIDTH
    )
