"""`revenant verify [NAME] [--wacz FILE] [--json]` and `revenant export wacz NAME -o FILE`:
thin fronts over revenant.evidence. Exit codes: 0 ok, 1 tampering found, 2 usage.

They never modify evidence (verify only reads; export writes a new package and one
ledger entry). The lead registers `verify_command` and `export_wacz_command` (or this
module's `app`) in the main CLI; both take the data dir from the root `--data-dir`
option when there is one, else from their own `--data-dir` / REVENANT_DATA.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import typer

from revenant.errors import EvidenceCorrupt, UsageError
from revenant.evidence.keys import key_path
from revenant.evidence.ledger import LEDGER_NAME, Ledger, LedgerEntry
from revenant.evidence.timestamp import request_timestamp
from revenant.evidence.verify import VerifyReport, verify, verify_case
from revenant.evidence.wacz import WaczReport, export_wacz, verify_wacz
from revenant.evidence.warc import case_dir
from revenant.settings import Settings
from revenant.store import Store, open_store
from revenant.store.ledger import mirror_entry, mirrored_entries

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Evidence: verify and export.")


def _data_dir(ctx: typer.Context | None, given: Path | None) -> Path:
    if given is not None:
        return given
    root = ctx.find_root().obj if ctx is not None else None
    settings = root.get("settings") if isinstance(root, dict) else None
    if isinstance(settings, Settings):
        return settings.data_dir
    return Settings.resolve().data_dir


def _print(reports: list[VerifyReport] | list[WaczReport], as_json: bool) -> None:
    if as_json:
        docs = [r.as_json() for r in reports]
        typer.echo(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False))
        return
    for r in reports:
        if isinstance(r, WaczReport):
            key = hashlib.sha256(r.public_key.encode()).hexdigest()[:16] if r.public_key else "-"
            head = f"{r.path}: {r.resources} resources, signer key {key}"
        else:
            head = f"{r.directory}: {r.files} files, {r.records} records, {r.entries} ledger entries, head {r.head[:16]}"
        typer.echo(f"{'OK' if r.ok else 'TAMPERED'} {head}")
        for f in r.findings:
            typer.echo(f"  {f}")


def run_verify(
    data_dir: Path,
    name: str | None,
    wacz: Path | None,
    *,
    as_json: bool = False,
    foreign: bool = False,
    mirror: Callable[[str], list[LedgerEntry] | None] = lambda case: None,
) -> int:
    """Verify one case, every case, or a WACZ; print; return the exit code. `mirror`
    gives a case's ledger entries as mirrored in the database, compared when present."""
    reports: list[VerifyReport] | list[WaczReport]
    if wacz is not None:
        if name is not None:
            raise UsageError("give a case NAME or --wacz FILE, not both")
        if not wacz.exists():
            raise UsageError(f"{wacz}: no such file")
        ours = None if foreign or not key_path(data_dir).exists() else data_dir
        reports = [verify_wacz(wacz, data_dir=ours)]
    elif name is not None:
        reports = [verify_case(data_dir, name, expected=mirror(name))]
    else:
        root = Path(data_dir) / "evidence"
        cases = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        reports = [verify(p, expected=mirror(p.name)) for p in cases]
        if not reports:
            raise UsageError(f"no evidence under {data_dir / 'evidence'}")
    _print(reports, as_json)
    return 0 if all(r.ok for r in reports) else 1


def run_export_wacz(
    data_dir: Path,
    name: str,
    output: Path,
    *,
    as_json: bool = False,
    on_append: Callable[[LedgerEntry], None] | None = None,
) -> int:
    """Export a case as a signed WACZ; return the exit code (1 if the evidence is tampered)."""
    try:
        out = export_wacz(data_dir, name, output, on_append=on_append)
    except EvidenceCorrupt as exc:
        typer.echo(f"revenant: {exc}", err=True)
        return 1
    if as_json:
        typer.echo(json.dumps({"wacz": str(out), "bytes": out.stat().st_size}))
    else:
        typer.echo(f"wrote {out} ({out.stat().st_size} bytes)")
    return 0


def _exit(fn: object, *args: object, **kwargs: object) -> None:
    try:
        code = fn(*args, **kwargs)  # type: ignore[operator]
    except UsageError as exc:
        typer.echo(f"revenant: {exc}", err=True)
        raise typer.Exit(2) from exc
    raise typer.Exit(code)


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    name: str | None = typer.Argument(None, help="Case to verify (default: every case)."),
    wacz: Path | None = typer.Option(None, "--wacz", help="Verify a WACZ package instead."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    foreign: bool = typer.Option(
        False, "--foreign", help="Accept a WACZ signed by another installation's key."
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="REVENANT_DATA"),
) -> None:
    """Re-read every WARC record and ledger entry; exit 1 if anything changed."""
    store = _store(ctx)

    def mirror(case: str) -> list[LedgerEntry] | None:
        if store is None:
            return None
        return list(mirrored_entries(store, case)) or None

    _exit(
        run_verify,
        _data_dir(ctx, data_dir),
        name,
        wacz,
        as_json=as_json,
        foreign=foreign,
        mirror=mirror,
    )


@app.command("wacz")
def export_wacz_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case to export."),
    output: Path = typer.Option(..., "-o", "--output", help="WACZ file to write."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="REVENANT_DATA"),
) -> None:
    """Package a case's evidence as a signed WACZ 1.1 file."""
    store = _store(ctx)
    on_append = None if store is None else partial(mirror_entry, store, name)
    _exit(
        run_export_wacz,
        _data_dir(ctx, data_dir),
        name,
        output,
        as_json=as_json,
        on_append=on_append,
    )


def timestamp_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Case whose ledger head to timestamp."),
    tsa: str = typer.Option(..., "--tsa", help="RFC 3161 time-stamping authority URL."),
    data_dir: Path | None = typer.Option(None, "--data-dir", envvar="REVENANT_DATA"),
) -> None:
    """Have a TSA sign the case's ledger head (RFC 3161); the reply is kept beside it."""
    directory = case_dir(_data_dir(ctx, data_dir), name)
    if not (directory / LEDGER_NAME).exists():
        raise UsageError(f"case {name!r} has no evidence ledger under {directory}")
    store = _store(ctx)
    ledger = Ledger(
        directory, on_append=None if store is None else partial(mirror_entry, store, name)
    )
    reply, entry = request_timestamp(ledger, tsa)
    typer.echo(f"timestamped ledger head {entry.record_id[:16]} of case {name}: reply in {reply}")


def _store(ctx: typer.Context | None) -> Store | None:
    """The database, when there is one (verifying never creates a database)."""
    root = ctx.find_root().obj if ctx is not None else None
    settings = root.get("settings") if isinstance(root, dict) else None
    if not isinstance(settings, Settings):
        return None
    url = settings.db_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    return open_store(url)
