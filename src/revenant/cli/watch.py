"""`revenant watch` and `revenant tip`: the continuous loop and an analyst's tips.

On a TTY the watch shows a status line a minute; in a pipe it writes JSON log lines.
SIGTERM and SIGINT stop it cleanly (leases given back); SIGKILL loses nothing either.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from revenant.act.followup import NoticeReview
from revenant.act.notices import NO_RESPONSE_DAYS
from revenant.act.recheck import ConfirmedSource
from revenant.cli import app, emit_json, settings_of
from revenant.cli.discover import tip_candidate
from revenant.cli.pipeline import _JSON
from revenant.cli.probing import watch_probe_options
from revenant.discover.feed import FeedStats
from revenant.discover.sources import build_sources, capture_pivots, case_prioritiser
from revenant.errors import UsageError
from revenant.pipeline import Pipeline
from revenant.probe import ProbeConfig
from revenant.store import open_store, queue
from revenant.store.cases import get_case
from revenant.watch import Watch, WatchConfig

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonLines(logging.Formatter):
    """One JSON object per log line, with the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
        }
        doc.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        return json.dumps(doc, default=str, ensure_ascii=False)


def _logging(tty: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S") if tty else JsonLines()
    )
    root = logging.getLogger("revenant")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if not tty else logging.WARNING)


@app.command()
@watch_probe_options
def watch(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="One pass over the sources, then exit."),
    ct_log: list[str] = typer.Option([], "--ct-log", help="RFC 6962 log URL (repeatable)."),
    certstream: str | None = typer.Option(None, "--certstream", help="certstream WebSocket URL."),
    ct_replay: list[Path] = typer.Option([], "--ct-replay", help="certstream JSON lines file."),
    nrd: list[Path] = typer.Option([], "--nrd", help="Newly registered domains file."),
    zone: list[str] = typer.Option([], "--zone-diff", help="OLD:NEW zone files to diff."),
    permutations: bool = typer.Option(
        True, "--permutations/--no-permutations", help="Queue permutations of case domains."
    ),
    batch: int = typer.Option(100, "--batch", help="Names leased per round."),
    budget: int | None = typer.Option(
        None, "--budget", help="With --once: low-priority names probed at most."
    ),
    recheck: float = typer.Option(
        6.0, "--recheck", help="Hours between re-probes of each confirmed name."
    ),
    notice_days: int = typer.Option(
        NO_RESPONSE_DAYS,
        "--notice-days",
        help="After re-checks, close sent notices as no-response after this many days.",
    ),
    as_json: bool = _JSON,
    *,
    probe: ProbeConfig,
) -> None:
    """Discover, triage, probe, fingerprint, score and alert, continuously."""
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    if not 0 < recheck <= 24 * 365:
        raise UsageError(f"--recheck {recheck:g}: hours, more than 0 and at most a year")
    if notice_days < 1:
        raise UsageError(f"--notice-days {notice_days}: at least 1")
    stop = threading.Event()  # set by SIGTERM/SIGINT; file feeds look at it while reading
    # first: a missing or unreadable file is a usage error before anything starts
    sources = build_sources(
        store,
        ct_logs=ct_log,
        certstream=certstream,
        ct_replays=ct_replay,
        nrd_files=nrd,
        zone_diffs=zone,
        permutations=permutations,
        follow=not once,
        stop=stop.is_set,
    )
    pipe = Pipeline(settings=settings, store=store, probe_config=probe)
    tty = sys.stderr.isatty()
    _logging(tty)
    runner = Watch(
        pipe=pipe,
        sources=[*sources, ConfirmedSource(store)],
        prioritise=case_prioritiser(store),
        pivot=capture_pivots,
        config=WatchConfig(
            batch=batch,
            budget=budget if once else None,
            recheck_confirmed=timedelta(hours=recheck),
        ),
        stop=stop,
        after_rechecks=NoticeReview(store, settings.data_dir, days=notice_days),
    )
    previous = {
        sig: signal.signal(sig, lambda *_: runner.stop.set())
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    status = threading.Thread(target=_status_line, args=(runner, tty), daemon=True)
    status.start()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn(
            "pulled {task.fields[pulled]:,}  probed {task.completed:,.0f}  alerts {task.fields[alerts]}"
        ),
        TimeElapsedColumn(),
        disable=not tty,
        transient=True,
        console=Console(stderr=True),
    )
    task = bar.add_task("watching", total=None, pulled=0, alerts=0)

    def refresh() -> None:
        while not runner.stop.wait(0.5):
            stats = runner.stats
            bar.update(task, completed=stats.probed, pulled=stats.pulled, alerts=stats.alerts)

    threading.Thread(target=refresh, daemon=True).start()
    try:
        with bar:
            stats = runner.run_once() if once else runner.run_forever()
    finally:
        runner.stop.set()
        pipe.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    left = queue.counts(store)
    feeds = _feed_stats(sources)
    doc = stats.as_json() | {
        "queue": left,
        "feeds": {name: f.as_dict() | {"recent": f.recent[-10:]} for name, f in feeds.items()},
    }
    if as_json:
        emit_json(doc)
    else:
        skipped = sum(f.total_skipped for f in feeds.values())
        rescored = ", ".join(f"{n} {verdict}" for verdict, n in sorted(stats.rescored.items()))
        typer.echo(
            f"watch: {stats.pulled} names pulled ({stats.new} new), {stats.probed} probed, "
            f"{stats.alerts} alert(s) ({stats.new_alerts} new), {stats.pivots} pivot name(s); "
            f"queue {left}"
            + (f"; open alerts scored again after the pass: {rescored}" if rescored else "")
            + (
                f"; {stats.rechecked} re-check(s), {stats.notices_closed} notice(s) closed"
                if stats.rechecked
                else ""
            )
            + (f"; {skipped} feed item(s) skipped (see the log)" if skipped else "")
        )


def _feed_stats(sources: Sequence[object]) -> dict[str, FeedStats]:
    """Each source's counts: what it read, kept and skipped, and the last reasons (each
    naming its file and line)."""
    out: dict[str, FeedStats] = {}
    for source in sources:
        stats = getattr(source, "stats", None)
        if isinstance(stats, FeedStats):
            out[str(getattr(source, "name", "?"))] = stats
    return out


def _status_line(runner: Watch, tty: bool) -> None:
    log = logging.getLogger("revenant.watch")
    while not runner.stop.wait(60.0):
        stats = runner.stats.as_json()
        if tty:
            print(
                f"{time.strftime('%H:%M:%S')} pulled {stats['pulled']} probed {stats['probed']} "
                f"alerts {stats['alerts']}",
                file=sys.stderr,
            )
        else:
            log.info("status", extra=stats)


@app.command("tip")
def tip_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case the tip is about."),
    url: str = typer.Argument(..., help="URL or hostname to look at."),
) -> None:
    """Queue an analyst's tip: probed first by the next watch round."""
    store = open_store(settings_of(ctx).db_url)
    get_case(store, name)
    new = queue.enqueue(store, [tip_candidate(name, url)])
    typer.echo(
        f"tip {url} for case {name}: {'queued' if new else 'already known, priority raised'}"
    )
