"""`revenant permute DOMAIN` and the core of `revenant tip CASE URL`: thin fronts over
revenant.discover. Register with `register(app)`; the tip function is plain so the
command that stores the candidate stays with the store's owner."""

from __future__ import annotations

import json
import sys

import typer

from revenant.discover.lists import tip
from revenant.discover.permute import FUZZERS, permutations
from revenant.model import Candidate, Clock, utcnow

_FUZZER_HELP = f"Only these fuzzers (repeatable): {', '.join(FUZZERS)}."


def permute(
    domain: str = typer.Argument(..., help="A known domain, e.g. coco.gg."),
    brand: list[str] = typer.Option([], "--brand", help="A brand word (repeatable)."),
    fuzzer: list[str] = typer.Option([], "--fuzzer", help=_FUZZER_HELP),
    tld: list[str] = typer.Option(
        [], "--tld", help="Suffixes for tld-swap (repeatable; default: the whole PSL)."
    ),
    unicode: bool = typer.Option(False, "--unicode", help="Show IDN names in Unicode."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list of {name, fuzzer}."),
) -> None:
    """Print the permutations of DOMAIN (typos, look-alikes, affixes, every suffix; every
    label permuted), names an outsider can register first."""
    found = permutations(domain, brands=brand, fuzzers=fuzzer or None, tlds=tld or None)
    if as_json:
        items = [{"name": p.unicode if unicode else p.name, "fuzzer": p.fuzzer} for p in found]
        typer.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    out = sys.stdout
    for p in found:
        out.write(f"{p.unicode if unicode else p.name}\t{p.fuzzer}\n")


def tip_candidate(case: str, target: str, *, note: str = "", clock: Clock = utcnow) -> Candidate:
    """The Candidate for `revenant tip CASE URL` (raises BadFeed for an unusable target);
    the caller stores it in the case's queue."""
    return tip(target, case=case, note=note, clock=clock)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main CLI."""
    app.command("permute")(permute)
