"""The platform's hops over time, drawn for the case report (matplotlib, no display):
one row per name (the seized domains, then each confirmed re-emergence in order), a bar
from when it was first seen answering to when a re-check first found it down (or to
the report's time if it never was), and a mark where it was confirmed.

Only recorded times are drawn; a name with no recorded time is left out, not guessed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import matplotlib

matplotlib.use("Agg")  # before pyplot: never a display

import matplotlib.dates as mdates
import matplotlib.pyplot as plt


@dataclass(frozen=True)
class Hop:
    """One name's recorded span: first seen answering, confirmed, first found down."""

    name: str
    kind: str  # "seized" | "re-emergence"
    start: datetime
    confirmed: datetime | None = None
    down: datetime | None = None


def plot(hops: Sequence[Hop], *, until: datetime) -> bytes:
    """The hops as a PNG (150 dpi); empty bytes when there is nothing to draw."""
    if not hops:
        return b""
    rows = list(reversed(hops))  # first hop at the top
    first = min(mdates.date2num(h.start) for h in rows)
    last = max(mdates.date2num(until), *(mdates.date2num(h.down or until) for h in rows))
    pad = max((last - first) * 0.03, 1 / 24)  # days: at least an hour each side
    thin = (last - first + 2 * pad) * 0.004  # a bar is never narrower than this
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(rows) + 1.4), dpi=150)
    try:
        ax.set_xlim(first - pad, last + pad)
        for y, hop in enumerate(rows):
            end = hop.down or until
            colour = "#555555" if hop.kind == "seized" else "#b03a2e"
            ax.barh(
                y,
                max(mdates.date2num(end) - mdates.date2num(hop.start), thin),
                left=mdates.date2num(hop.start),
                height=0.5,
                color=colour,
                alpha=0.85 if hop.down else 0.55,
            )
            if hop.confirmed is not None:
                ax.plot(mdates.date2num(hop.confirmed), y, marker="D", color="black", markersize=5)
            if hop.down is not None:
                ax.plot(mdates.date2num(hop.down), y, marker="|", color="black", markersize=14)
        ax.set_yticks(range(len(rows)), [h.name for h in rows], fontsize=8)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d\n%H:%M"))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(
            "UTC (bar: first seen answering to first found down, or to the report)", fontsize=7
        )
        ax.grid(axis="x", linestyle=":", linewidth=0.5)
        ax.set_title(
            "Hops of the platform: grey seized, red re-emergences; ◆ confirmed, | down", fontsize=8
        )
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()
    finally:
        plt.close(fig)
