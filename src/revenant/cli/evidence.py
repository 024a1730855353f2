"""`revenant verify [NAME] [--wacz FILE] [--json]`, `revenant export wacz NAME -o FILE` and
`revenant timestamp NAME --tsa URL`: thin fronts over revenant.evidence. Exit codes: 0
ok, 1 tampering found (or a failure), 2 usage; errors go through the main CLI's one path
(`revenant.cli._Group`).

They never modify evidence (verify only reads; export writes a new package and one
ledger entry; timestamp one reply and one entry). Verify works from the evidence files
alone when the database cannot be read, and reports that as one more finding.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import replace
from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError

from revenant.cli import emit_json, settings_of
from revenant.errors import StoreError, UsageError
from revenant.evidence.keys import key_path
from revenant.evidence.ledger import LEDGER_NAME, Ledger
from revenant.evidence.snapshot import Snapshot, snapshot
from revenant.evidence.timestamp import request_timestamp
from revenant.evidence.verify import Finding, VerifyReport, verify
from revenant.evidence.wacz import WaczReport, export_wacz, verify_wacz
from revenant.evidence.warc import case_dir
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.db import sqlite_file
from revenant.store.ledger import StoreMirror, mirror_notes, mirrored_entries

_ACTOR = typer.Option(None, "--actor", help="Who does this (default: the OS user).")


def _print(reports: list[VerifyReport] | list[WaczReport], as_json: bool) -> None:
    if as_json:
        docs = [r.as_json() for r in reports]
        emit_json(docs[0] if len(docs) == 1 else docs)
        return
    for r in reports:
        if isinstance(r, WaczReport):
            key = hashlib.sha256(r.public_key.encode()).hexdigest()[:16] if r.public_key else "-"
            head = f"{r.path}: {r.resources} resources, signer key {key}"
        else:
            head = (
                f"{r.directory}: {r.files} files, {r.records} records, {r.entries} ledger "
                f"entries, head {r.head[:16]}"
            )
        typer.echo(f"{'OK' if r.ok else 'TAMPERED'} {head}")
        for f in r.findings:
            typer.echo(f"  {f}")
        for note in getattr(r, "notes", ()):
            typer.echo(f"  note: {note}")


def _reading_store(settings: Settings) -> tuple[Store | None, str]:
    """The database for reading its ledger mirror, or why it cannot be read. Never
    creates or migrates one."""
    url = settings.db_url
    file = sqlite_file(url)
    if file is not None and not file.exists():
        return None, ""
    try:
        return open_store(url, migrate=False), ""
    except StoreError as exc:
        return None, str(exc)


def _verify_case(directory: Path, store: Store | None, problem: str) -> VerifyReport:
    """One case, against the database's mirror when it can be read."""
    if not directory.is_dir():
        raise UsageError(f"{directory}: no evidence directory")
    case = directory.name
    snap: Snapshot | None = None
    expected = None
    notes: dict[int, str] = {}
    if store is not None:
        try:
            try:  # the database's lock too, so that its mirror matches the snapshot
                with StoreMirror(store, case).transaction() as tx:
                    snap = snapshot(directory)
                    head = tx.head()
            except SQLAlchemyError:  # a read-only database: nobody can append meanwhile
                snap = snapshot(directory)
                head = None
            upto = None if head is None else head[0]
            expected = list(mirrored_entries(store, case, upto=upto)) or None
            notes = mirror_notes(store, case) if expected else {}
        except SQLAlchemyError as exc:
            problem = f"cannot be read ({type(exc).__name__}: {str(exc).splitlines()[0]})"
            expected = None
    report = verify(directory, expected=expected, snap=snap)
    extra: list[Finding] = []
    if problem:
        extra.append(
            Finding("database", 0, f"{problem}; the evidence was verified from its files alone")
        )
    late = [Finding(LEDGER_NAME, -1, f"entry {seq}: {note}") for seq, note in sorted(notes.items())]
    return replace(
        report, findings=report.findings + tuple(extra), notes=report.notes + tuple(late)
    )


def verify_command(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Case to verify (default: every case)."),
    wacz: Path | None = typer.Option(None, "--wacz", help="Verify a WACZ package instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    foreign: bool = typer.Option(
        False, "--foreign", help="Accept a WACZ signed by another installation's key."
    ),
) -> None:
    """Re-read every WARC record and ledger entry; exit 1 if anything changed."""
    settings = settings_of(ctx)
    data_dir = settings.data_dir
    reports: list[VerifyReport] | list[WaczReport]
    if wacz is not None:
        if name is not None:
            raise UsageError("give a case NAME or --wacz FILE, not both")
        if not wacz.is_file():
            raise UsageError(f"{wacz}: no such file")
        ours = None if foreign or not key_path(data_dir).exists() else data_dir
        reports = [verify_wacz(wacz, data_dir=ours)]
    else:
        if name is not None:
            directories = [case_dir(data_dir, name)]
        else:
            root = data_dir / "evidence"
            directories = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
            if not directories:
                raise UsageError(f"no evidence under {root}")
        store, problem = _reading_store(settings)
        try:
            reports = [_verify_case(d, store, problem) for d in directories]
        finally:
            if store is not None:
                store.close()
    _print(reports, as_json)
    raise typer.Exit(0 if all(r.ok for r in reports) else 1)


def export_wacz_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to export."),
    output: Path = typer.Option(..., "-o", "--output", help="WACZ file to write."),
    actor: str | None = _ACTOR,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Package a case's evidence as a signed WACZ 1.1 file."""
    settings = settings_of(ctx)
    store = open_store(settings.db_url)
    out = export_wacz(
        settings.data_dir,
        name,
        output,
        mirror=StoreMirror(store, name),
        actor=actor or getpass.getuser(),
    )
    if as_json:
        emit_json({"wacz": str(out), "bytes": out.stat().st_size})
    else:
        typer.echo(f"wrote {out} ({out.stat().st_size} bytes)")


def timestamp_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case whose ledger head to timestamp."),
    tsa: str = typer.Option(..., "--tsa", help="RFC 3161 time-stamping authority URL."),
    actor: str | None = _ACTOR,
) -> None:
    """Have a TSA sign the case's ledger head (RFC 3161); the reply is kept beside it."""
    settings = settings_of(ctx)
    directory = case_dir(settings.data_dir, name)
    if not (directory / LEDGER_NAME).exists():
        raise UsageError(f"case {name!r} has no evidence ledger under {directory}")
    store = open_store(settings.db_url)
    ledger = Ledger(directory, actor=actor or getpass.getuser(), mirror=StoreMirror(store, name))
    reply, entry = request_timestamp(ledger, tsa)
    typer.echo(f"timestamped ledger head {entry.record_id[:16]} of case {name}: reply in {reply}")


__all__ = ["export_wacz_command", "timestamp_command", "verify_command"]
