"""The case report for a prosecutor (`revenant export report CASE -o FILE.html|.pdf`):
the platform's hops over time, each confirmed re-emergence with its evaluative sentence
and what each observation contributed, the evidence digests and how to verify them,
orders and zone entries, notices and their outcome, and the case timeline figures.

Rendered from `templates/report.html.j2` with autoescaping on, and to PDF by WeasyPrint
with a URL fetcher that refuses everything but the report's own embedded images. It
must never render captured content: no page body is read here, and every string from a
capture, a score or an RDAP answer is escaped as text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from revenant import __version__
from revenant.act.casefile import CaseFile, read_case_file, require_mirrors
from revenant.act.hops import plot
from revenant.act.justify import capture_evidence
from revenant.act.notice_text import ratio_text
from revenant.act.orders import name_state, why
from revenant.act.stix import CONFIDENCE_BY_LR
from revenant.act.timeline import (
    MEASURES,
    CaseTimeline,
    NameTimeline,
    case_timeline,
    duration,
)
from revenant.act.tlp import LEVELS, effective
from revenant.errors import UsageError
from revenant.evidence.ledger import LEDGER_NAME, read_entries
from revenant.evidence.verify import verify_case
from revenant.evidence.warc import case_dir
from revenant.store import Store
from revenant.store.captures import capture_row
from revenant.store.notices import list_notices
from revenant.store.orders import list_orders

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("revenant.act", "templates"),
    autoescape=True,  # every value is text; captured strings can never become markup
    undefined=jinja2.StrictUndefined,
)
_env.filters["ratio"] = ratio_text


@dataclass(frozen=True)
class Report:
    html: str
    mirrors: int
    tlp: str


def _hops(casefile: CaseFile, timeline: CaseTimeline) -> list[NameTimeline]:
    """What the plot draws: the seized site's hosts and the confirmed re-emergences,
    rows of the one case timeline the CLI and the dashboard read too."""
    confirmed = {m.alert.id for m in casefile.mirrors}
    return [h for h in timeline.hops if h.seized or h.alert_id in confirmed]


def context(store: Store, data_dir: Path, name: str, *, now: datetime) -> dict[str, Any]:
    """Everything the report template shows, read from the store and the evidence."""
    casefile = read_case_file(store, name)
    require_mirrors(casefile, "report")
    timeline = case_timeline(store, name)
    today = now.date()
    mirrors = []
    for m in casefile.mirrors:
        evidence = (
            capture_evidence(capture_row(store, m.alert.capture_id)) if m.alert.capture_id else None
        )
        mirrors.append(
            {
                "alert": m.alert,
                "sighting": m.sighting,
                "sentence": m.sentence,
                "lr": m.reported_lr,
                "contributions": sorted(
                    m.contributions, key=lambda c: -float(str(c.get("bits", 0)))
                ),
                "evidence": evidence,
            }
        )
    orders = [
        {
            "order": o,
            "status": o.status(today),
            "names": [(n, name_state(o, n, today), why(o, n)) for n in o.names],
        }
        for o in list_orders(store, case=name)
    ]
    ledger = case_dir(data_dir, name) / LEDGER_NAME
    entries = (
        [e for _, _, e in read_entries(ledger) if not isinstance(e, Exception)]
        if ledger.is_file()
        else []
    )
    verified = verify_case(data_dir, name)
    png = plot(_hops(casefile, timeline))
    levels = [casefile.case.tlp, *(cf.tlp for cf in casefile.features if not cf.excluded)]
    marking = effective(*levels)
    states: dict[str, int] = {}
    for a in casefile.alerts:
        states[a.state] = states.get(a.state, 0) + 1
    return {
        "case": casefile.case,
        "generated": now,
        "version": __version__,
        "tlp": marking,
        "tlp_audience": LEVELS[marking].audience,
        "alert_states": sorted(states.items()),
        "mirrors": mirrors,
        "hops_png": base64.b64encode(png).decode("ascii") if png else "",
        "orders": orders,
        "notices": list_notices(store, case=name),
        "timeline": timeline,
        "medians": [
            (
                measure,
                start,
                end,
                duration(timeline.medians[measure].seconds),
                timeline.medians[measure].names,
            )
            for measure, (start, end) in MEASURES.items()
        ],
        "duration": duration,
        "verified": verified,
        "exports": [e for e in entries if e.action == "export"],
        "confidence_bands": CONFIDENCE_BY_LR,
    }


def render(store: Store, data_dir: Path, name: str, *, now: datetime) -> Report:
    """The report as HTML."""
    ctx = context(store, data_dir, name, now=now)
    html = _env.get_template("report.html.j2").render(**ctx)
    return Report(html, len(ctx["mirrors"]), str(ctx["tlp"]))


def _weasyprint() -> Any:
    """WeasyPrint, imported with Pillow left strict. Importing it sets Pillow's global
    `ImageFile.LOAD_TRUNCATED_IMAGES = True` (weasyprint/images.py), which would let a cut
    screenshot or favicon decode as an image anywhere else in the process; the report
    only embeds its own plot, so it needs no such leniency."""
    from PIL import ImageFile

    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint
    import weasyprint.urls

    ImageFile.LOAD_TRUNCATED_IMAGES = strict
    return weasyprint


def fetcher() -> Any:
    """WeasyPrint's own URL fetcher allowed only `data:` URLs (the embedded plot), and
    stopping the rendering on any other: the report never fetches anything."""
    URLFetcher = _weasyprint().urls.URLFetcher

    return URLFetcher(allowed_protocols=("data",), fail_on_errors=True, allow_redirects=False)


def write(report: Report, output: Path) -> Path:
    """Write the report as HTML or PDF, by the file's suffix."""
    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise UsageError(f"{output}: the report is written as .html or .pdf")
    if not output.parent.is_dir():
        raise UsageError(f"{output.parent}: no such directory")
    tmp = output.with_name(f".{output.name}.part")
    if suffix == ".pdf":
        HTML = _weasyprint().HTML
        HTML(string=report.html, url_fetcher=fetcher()).write_pdf(str(tmp))
    else:
        tmp.write_text(report.html, encoding="utf-8")
    tmp.replace(output)
    return output
