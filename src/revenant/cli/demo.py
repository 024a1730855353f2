"""`revenant demo`: the scenario end to end, as a ranked table of alerts with reasons."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from revenant.act.channels import RdapAccess
from revenant.act.showcase import ANALYST, SUPERVISOR
from revenant.cli import app, emit_json, settings_of
from revenant.demo import DemoResult, run_demo, serve_dashboard
from revenant.testnet import Testnet


@app.command()
def demo(
    ctx: typer.Context,
    seed: int = typer.Option(2026, "--seed", help="Scenario seed: same seed, same internet."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Print the results and exit."),
    port: int = typer.Option(8000, "--port", help="Port of the dashboard it then serves."),
    as_json: bool = typer.Option(False, "--json", help="Print the ranking as JSON."),
    top: int = typer.Option(10, "--top", help="How many alerts to explain."),
    ct_entries: int = typer.Option(
        100_000,
        "--ct-entries",
        help="Unrelated entries in the CT replay the watch reads (0: no watch).",
    ),
) -> None:
    """Run Revenant on the simulated internet: case, captures, scores, alerts."""
    settings = settings_of(ctx)
    console = Console(stderr=as_json)
    # The demo reports the watch's findings itself; its log lines would only interleave.
    logging.getLogger("revenant").setLevel(logging.ERROR)
    bar = Progress(
        TextColumn("capturing the scenario"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=as_json or not console.is_terminal,
    )
    task = bar.add_task("capture", total=None)

    def after(result: DemoResult, net: Testnet, rdap: RdapAccess) -> None:
        bar.stop()
        if as_json:
            emit_json(result.as_json())
        else:
            _print(console, result, top)
        if not no_serve:
            top_mirror = next((r.host for r in result.ranking), net.sites[0].name)
            serve_dashboard(
                net, console.print, settings=settings, example=top_mirror, rdap=rdap, port=port
            )

    with bar:
        run_demo(
            settings,
            seed=seed,
            ct_entries=ct_entries,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            after=after,
        )


def _print(console: Console, result: DemoResult, top: int) -> None:
    table = Table(
        title=f"Scenario sites ranked against case 'coco' ({result.references} reference captures)"
    )
    table.add_column("#", justify="right")
    table.add_column("site")
    table.add_column("bits", justify="right")
    table.add_column("verdict")
    table.add_column("truth (scenario label)")
    shown = [r for r in result.ranking if r.truth != "background" or r.score.bits > 0][
        : max(top * 3, 20)
    ]
    for i, r in enumerate(shown, 1):
        style = {"re-emergence": "bold red", "probable": "yellow"}.get(str(r.score.verdict), "")
        table.add_row(
            str(i), r.host, f"{r.score.bits:.1f}", str(r.score.verdict), r.truth, style=style
        )
    console.print(table)
    console.print(f"{result.alerts} alert(s) recorded; {len(result.ranking)} sites scored.\n")
    found = result.discovery
    if found is not None:
        hit = "found it" if found.ct_host in found.alerted else "DID NOT find it"
        console.print(
            f"Watch: a CT replay of {found.ct_entries:,} entries carried {found.ct_host}'s "
            f"certificate; the watch probed {found.probed} names and {hit}. Alerts it raised: "
            f"{', '.join(found.alerted) or 'none'}; {found.queued:,} low-ranked names left "
            "queued (probed as capacity allows, never dropped).\n"
        )
    if result.acted is not None:
        _print_act(console, result)
    if result.shared is not None:
        _print_shared(console, result)
    for r in result.ranking[:top]:
        if str(r.score.verdict) == "unrelated":
            break
        console.print(f"[bold]{r.host}[/bold]: {r.score.bits:.1f} bits, {r.score.verdict}")
        if r.score.sentence:
            console.print(f"  {r.score.sentence}")
        for c in r.score.contributions[:8]:
            console.print(f"  {c.bits:+6.1f}  {c.why}", markup=False, highlight=False)
        console.print()


def _print_act(console: Console, result: DemoResult) -> None:
    acted = result.acted
    assert acted is not None
    console.print(
        f"Order #{acted.order_id} {acted.reference} on the seized domains (two-person rule), "
        f"extended to the {len(acted.extended)} strongest mirror(s), confirmed by "
        f"{ANALYST} and each approved by {SUPERVISOR}: {', '.join(acted.extended) or 'none'}. "
        f"Waiting in the queue for you: {', '.join(acted.waiting) or 'none'}.",
        markup=False,
        highlight=False,
    )
    console.print(
        f"Blocking zone {acted.zone.zone} serial {acted.zone.serial}: {acted.zone.names} "
        f"name(s) and their subdomains in {acted.zone.path} (`revenant rpz push` sends it "
        "to a DNS primary).",
        markup=False,
        highlight=False,
    )
    detect = acted.timeline.medians["time_to_detect"]
    if detect.seconds is not None:
        console.print(
            f"Timeline: median time to detect {detect.seconds:.1f} s over {detect.names} "
            f"name(s) (first seen -> alert); `revenant case timeline {acted.timeline.case}` "
            "lists every event.\n",
            markup=False,
            highlight=False,
        )


def _print_shared(console: Console, result: DemoResult) -> None:
    shared = result.shared
    assert shared is not None
    lines = [
        f"Notices drafted to the registrar and the host of each confirmed mirror (RDAP on "
        f"loopback): {len(shared.notices)}, as e-mails in {Path(shared.notices[0]).parent}"
        if shared.notices
        else "No notice drafted.",
        *(f"  no notice: {why}" for why in shared.skipped),
        f"For partner agencies (TLP:AMBER): STIX 2.1 bundle {shared.stix}, MISP event {shared.misp}.",
        f"Case report: {shared.report_html} and {shared.report_pdf}.\n",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)
