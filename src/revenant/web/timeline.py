"""The case timeline drawn as SVG on the server, from the rows of the one case timeline
(act/timeline.py) that `revenant case timeline` prints and the case report plots: one
bar per host, oldest first, from when it was first seen to when a re-check first found
it down (else to its last capture), with a mark where it was confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from revenant.act.timeline import NameTimeline

ROW, LABEL_WIDTH, WIDTH, TOP = 22, 240, 960, 30
MIN_BAR = 4.0  # pixels: a host seen once is still visible
_SHOWN = ("first_seen", "last_capture", "alert", "confirmed", "in_zone", "first_down")


@dataclass(frozen=True)
class Bar:
    host: str
    cls: str  # the alert's state, or "seized"
    x: float
    y: float
    width: float
    title: str
    href: str
    confirmed_x: float | None = None  # where the confirmation mark goes
    down_x: float | None = None  # where the first "down" re-check mark goes


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


def _title(hop: NameTimeline) -> str:
    seen = ", ".join(
        f"{key.replace('_', ' ')} {when:%Y-%m-%d %H:%M:%S}"
        for key in _SHOWN
        if (when := hop.events.get(key)) is not None
    )
    return f"{hop.name}: {hop.state}, {hop.captures} capture(s); {seen} UTC"


def timeline(hops: Sequence[NameTimeline]) -> Timeline:
    """The rows as bars on one time axis."""
    if not hops:
        return Timeline([], [], WIDTH, TOP, LABEL_WIDTH)
    start = min(h.start for h in hops)
    end = max(max(h.end, h.events.get("confirmed") or h.end) for h in hops)
    total = max((end - start).total_seconds(), 1.0)
    span = WIDTH - LABEL_WIDTH - 20

    def x(when: datetime | None) -> float | None:
        if when is None:
            return None
        return LABEL_WIDTH + span * (when - start).total_seconds() / total

    bars = []
    for row, hop in enumerate(hops):
        left = LABEL_WIDTH + span * (hop.start - start).total_seconds() / total
        width = max(MIN_BAR, span * (hop.end - hop.start).total_seconds() / total)
        bars.append(
            Bar(
                hop.name,
                hop.state,
                left,
                TOP + row * ROW,
                width,
                _title(hop),
                f"/alerts/{hop.alert_id}" if hop.alert_id is not None else "",
                x(hop.events.get("confirmed")),
                x(hop.events.get("first_down")),
            )
        )
    return Timeline(
        bars, _ticks(start, end, LABEL_WIDTH, span), WIDTH, TOP + len(hops) * ROW + 10, LABEL_WIDTH
    )
