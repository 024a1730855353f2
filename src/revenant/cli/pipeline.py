"""`revenant capture | fingerprint | score | alerts`: one target through the pipeline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from revenant.act.decisions import decide, default_actor
from revenant.cli import app, emit_json, settings_of
from revenant.cli.probing import probe_options
from revenant.errors import FetchFailed, UsageError
from revenant.evidence import read_captures
from revenant.model import Capture, Score
from revenant.pipeline import CaseModel, Pipeline, Processed
from revenant.probe import ProbeConfig, Prober
from revenant.store import open_store
from revenant.store.alerts import STATES, list_alerts
from revenant.store.cases import get_case
from revenant.store.similar import similar_captures

MAX_ID = 2**63 - 1
"""Largest row id any database Revenant supports can hold (SQLite and PostgreSQL BIGINT)."""

_JSON = typer.Option(False, "--json", help="Print JSON.")


def _pipeline(ctx: typer.Context, probe: ProbeConfig | None = None) -> Pipeline:
    settings = settings_of(ctx)
    return Pipeline(
        settings=settings, store=open_store(settings.db_url), probe_config=probe or ProbeConfig()
    )


async def _probe_one(pipe: Pipeline, target: str, case: str | None) -> Processed:
    async with Prober(pipe.probe_config, clock=pipe.clock) as prober:
        return await pipe.probe(prober, target, case=case)


def _capture_json(stored: Processed) -> dict[str, object]:
    cap: Capture = stored.capture
    page = cap.page
    return {
        "id": stored.capture_id,
        "target": cap.target,
        "final_url": cap.final_url,
        "outcome": str(cap.outcome),
        "reason": cap.reason,
        "status": page.status if page else None,
        "peer": cap.peer,
        "title": stored.fingerprint.title,
        "features": len(stored.fingerprint.features),
        "warc": cap.warc_file,
        "alerts": [
            {
                "id": a.alert_id,
                "case": a.case,
                "bits": round(a.score.bits, 2),
                "verdict": str(a.score.verdict),
                "new": a.new,
            }
            for a in stored.alerts
        ],
        "rendered": _rendered_json(cap),
    }


def _rendered_json(cap: Capture) -> dict[str, object] | None:
    r = cap.rendering
    if r is None:
        return None
    return {
        "outcome": str(r.outcome),
        "reason": r.reason,
        "browser": r.browser,
        "requests": r.requests,
        "fetched": sum(1 for e in cap.exchanges if e.role.startswith("render:")),
        "refused": len(r.refused) + r.refused_more,
        "dom_bytes": len(r.dom),
        "screenshot_bytes": len(r.screenshot),
    }


@app.command()
@probe_options
def capture(
    ctx: typer.Context,
    url: str = typer.Argument(..., help="URL or hostname to capture."),
    case: str | None = typer.Option(
        None, "--case", help="File the evidence under this case (and score against it only)."
    ),
    as_json: bool = _JSON,
    *,
    probe: ProbeConfig,
) -> None:
    """Probe a target safely, record it as evidence (WARC + ledger), fingerprint it, and
    score it against every case that has a fingerprint (alerts as the watch raises them)."""
    pipe = _pipeline(ctx, probe)
    try:
        done = asyncio.run(_probe_one(pipe, url, case))
    finally:
        pipe.close()
    doc = _capture_json(done)
    if as_json:
        emit_json(doc)
    else:
        typer.echo(
            f"capture #{doc['id']} {doc['final_url']}: {doc['outcome']}"
            f"{' (' + str(doc['reason']) + ')' if doc['reason'] else ''}"
            f" status={doc['status']} title={doc['title']!r} features={doc['features']}"
        )
        rendered = doc["rendered"]
        if isinstance(rendered, dict):
            typer.echo(
                f"  rendered in {rendered['browser']}: {rendered['outcome']}"
                f"{' (' + str(rendered['reason']) + ')' if rendered['reason'] else ''}"
                f", {rendered['requests']} request(s): {rendered['fetched']} fetched by the "
                f"prober, {rendered['refused']} refused; DOM {rendered['dom_bytes']} bytes, "
                f"screenshot {rendered['screenshot_bytes']} bytes"
            )
        for alert in done.alerts:
            typer.echo(
                f"  alert #{alert.alert_id} case {alert.case}: {alert.score.bits:.1f} bits, "
                f"{alert.score.verdict}{' (new)' if alert.new else ''}"
            )
    _require_page(done)


def _require_page(stored: Processed) -> None:
    """A target that gave no page is a failure (exit 1), though its attempt is recorded."""
    cap = stored.capture
    if not cap.responded:
        raise FetchFailed(
            f"{cap.target}: no page ({cap.outcome}{': ' + cap.reason if cap.reason else ''}); "
            f"attempt recorded as capture #{stored.capture_id}"
        )


@app.command()
def fingerprint(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case name."),
    capture_ids: list[int] = typer.Option([], "--capture", help="Capture id (repeatable)."),
    warcs: list[Path] = typer.Option(
        [], "--warc", help="WARC file of the seized site (repeatable)."
    ),
    as_json: bool = _JSON,
) -> None:
    """Build the case fingerprint from captures or WARC files of the seized site."""
    if bool(capture_ids) == bool(warcs):
        raise UsageError("give --capture ID ... or --warc FILE ..., not both, not neither")
    pipe = _pipeline(ctx)
    ids = list(capture_ids)
    if warcs:
        ids = [s.capture_id for s in pipe.import_warcs(warcs, case=name)]
        if not ids:
            raise UsageError(f"no capture found in {', '.join(str(w) for w in warcs)}")
    case_fp = pipe.fingerprint_case(name, ids)
    if as_json:
        emit_json(
            {
                "case": case_fp.case,
                "references": [r.capture_id for r in case_fp.references],
                "features": [
                    {"feature": str(cf.feature), "stability": round(cf.stability, 3)}
                    for cf in case_fp.features
                ],
            }
        )
    else:
        typer.echo(
            f"case {name}: fingerprint of {len(case_fp.features)} feature(s) from "
            f"{len(case_fp.references)} capture(s)"
        )


def print_score(result: Score) -> None:
    typer.echo(f"{result.target}: {result.bits:.1f} bits, {result.verdict}")
    if result.sentence:
        typer.echo(f"  {result.sentence}")
    for c in result.contributions:
        typer.echo(f"  {c.bits:+7.1f}  {c.why}")


@app.command()
@probe_options
def score(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case name."),
    url: str | None = typer.Argument(None, help="URL or hostname to capture and score."),
    warc: Path | None = typer.Option(None, "--warc", help="Score the captures in a WARC file."),
    as_json: bool = _JSON,
    *,
    probe: ProbeConfig,
) -> None:
    """Score a target (captured now) or a WARC's captures against a case, with reasons;
    recorded, alerted and kept in or out of the background as the watch does."""
    if (url is None) == (warc is None):
        raise UsageError("give a URL or --warc FILE, not both, not neither")
    pipe = _pipeline(ctx, probe)
    try:
        cases = [CaseModel(get_case(pipe.store, name), pipe.case_fingerprint(name))]
        if url is not None:
            done = [asyncio.run(_probe_one(pipe, url, name))]
            _require_page(done[0])
        else:
            assert warc is not None
            # the WARC is the evidence already: its captures are not written again
            done = [
                pipe.process(c, case=name, cases=cases, preserve=False) for c in read_captures(warc)
            ]
            if not done:
                raise UsageError(f"{warc}: no capture found")
    finally:
        pipe.close()
    results = [s for d in done for s in d.scores]
    if as_json:
        docs = [r.as_json() for r in results]
        emit_json(docs[0] if len(docs) == 1 else docs)
    else:
        for r in results:
            print_score(r)


@app.command()
def alerts(
    ctx: typer.Context,
    case: str | None = typer.Option(None, "--case", help="Only this case's alerts."),
    state: str | None = typer.Option(
        None, "--state", help="open, confirmed, dismissed or needs-more."
    ),
    as_json: bool = _JSON,
) -> None:
    """List alerts, highest score first."""
    if state is not None and state not in STATES:
        raise UsageError(f"--state {state!r}: one of {', '.join(STATES)}")
    rows = list_alerts(open_store(settings_of(ctx).db_url), case=case, state=state)
    if as_json:
        emit_json(
            [
                {
                    "id": a.id,
                    "case": a.case,
                    "host": a.host,
                    "bits": round(a.bits, 2),
                    "verdict": a.verdict,
                    "state": a.state,
                    "capture": a.capture_id,
                    "sentence": a.explanation.get("sentence", ""),
                    "reported_lr": a.explanation.get("reported_lr"),
                }
                for a in rows
            ]
        )
        return
    for a in rows:
        typer.echo(f"#{a.id}\t{a.bits:6.1f} bits\t{a.verdict}\t{a.state}\t{a.case}\t{a.host}")


@app.command("decide")
def decide_alert(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    decision: str = typer.Argument(..., help="confirm, dismiss, needs-more or reopen."),
    actor: str = typer.Option(
        None, "--actor", help="Who decides (default: the OS user).", show_default=False
    ),
    comment: str = typer.Option("", "--comment", help="Why (required for needs-more)."),
    as_json: bool = _JSON,
) -> None:
    """Decide on an alert; the decision and its actor go to the case's custody ledger."""
    if not 1 <= alert_id <= MAX_ID:
        raise UsageError(f"alert id {alert_id}: ids run from 1 (see `revenant alerts`)")
    settings = settings_of(ctx)
    done = decide(
        open_store(settings.db_url),
        settings.data_dir,
        alert_id,
        decision,
        actor=actor or default_actor(),
        comment=comment,
    )
    if as_json:
        emit_json(done.decision.as_json() | {"state": done.alert.state, "previous": done.previous})
        return
    typer.echo(
        f"alert #{done.alert.id} {done.alert.host}: {done.alert.state} by {done.decision.actor} "
        f"(ledger entry {done.decision.ledger_seq} of case {done.alert.case})"
    )


@app.command()
def similar(
    ctx: typer.Context,
    capture_id: int = typer.Argument(..., help="A stored capture's id."),
    limit: int = typer.Option(50, "--limit", help="At most this many."),
    as_json: bool = _JSON,
) -> None:
    """Which stored captures look like this one (near-duplicate sketches, shared ids)."""
    found = similar_captures(open_store(settings_of(ctx).db_url), capture_id, limit=limit)
    if as_json:
        emit_json([{"capture": s.capture_id, "host": s.host, "why": s.why} for s in found])
        return
    for s in found:
        typer.echo(f"#{s.capture_id}\t{s.host}\t{s.why}")
