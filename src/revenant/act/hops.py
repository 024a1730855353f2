"""The platform's hops over time, drawn for the case report (matplotlib, no display),
from the case timeline (act/timeline.py, the rows the dashboard draws too): one row per
host, oldest first, a bar from when it was first seen to when a re-check first found it
down (else to its last capture: nothing is drawn past what was observed), and a mark
where it was confirmed and where it was found down.

Only recorded times are drawn, never a guess.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: never a display

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from revenant.act.timeline import NameTimeline


def plot(hops: Sequence[NameTimeline]) -> bytes:
    """The hops as a PNG (150 dpi); empty bytes when there is nothing to draw."""
    if not hops:
        return b""
    rows = list(reversed(hops))  # first hop at the top
    first = min(mdates.date2num(h.start) for h in rows)
    last = max(mdates.date2num(h.end) for h in rows)
    last = max(last, *(mdates.date2num(h.events["confirmed"] or h.end) for h in rows))
    pad = max((last - first) * 0.03, 1 / 24)  # days: at least an hour each side
    thin = (last - first + 2 * pad) * 0.004  # a bar is never narrower than this
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(rows) + 1.4), dpi=150)
    try:
        ax.set_xlim(first - pad, last + pad)
        for y, hop in enumerate(rows):
            down, confirmed = hop.events["first_down"], hop.events["confirmed"]
            colour = "#555555" if hop.seized else "#b03a2e"
            ax.barh(
                y,
                max(mdates.date2num(hop.end) - mdates.date2num(hop.start), thin),
                left=mdates.date2num(hop.start),
                height=0.5,
                color=colour,
                alpha=0.85 if down else 0.55,
            )
            if confirmed is not None:
                ax.plot(mdates.date2num(confirmed), y, marker="D", color="black", markersize=5)
            if down is not None:
                ax.plot(mdates.date2num(down), y, marker="|", color="black", markersize=14)
        ax.set_yticks(range(len(rows)), [h.name for h in rows], fontsize=8)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d\n%H:%M"))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(
            "UTC (bar: first seen to first found down, else to the last capture)", fontsize=7
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
