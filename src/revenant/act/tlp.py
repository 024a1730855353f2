"""Traffic Light Protocol 2.0: what each level means to the formats Revenant shares in,
and the one rule every export applies.

A case and each feature of its fingerprint have a level (model.Tlp, default AMBER). What
is derived from a feature is at least as restricted as its case: an object's level is
the highest of the levels it draws on. An export for a partner at one level carries
only objects at or below it; RED is never exported (TLP:RED is for named people, in a
meeting, not for files). This module must never widen a level: it only compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

from revenant.errors import UsageError
from revenant.model import Tlp

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
"""The OASIS STIX 2.1 extension that defines TLP 2.0 marking definitions."""
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
"""The `created` time OASIS published the TLP 2.0 marking definitions with (part of
each object, like its id)."""


@dataclass(frozen=True)
class Level:
    """One TLP 2.0 level as each format names it."""

    tlp: Tlp
    stix_id: str  # the OASIS marking-definition id
    misp_tag: str  # MISP's `tlp` taxonomy tag
    audience: str  # who may receive it (FIRST's TLP 2.0 definitions), for reports


LEVELS: dict[Tlp, Level] = {
    row.tlp: row
    for row in (
        Level(
            Tlp.CLEAR,
            "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            "tlp:clear",
            "no limit on disclosure",
        ),
        Level(
            Tlp.GREEN,
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            "tlp:green",
            "the recipient's community, not public channels",
        ),
        Level(
            Tlp.AMBER,
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            "tlp:amber",
            "the recipient's organisation and its clients, on a need-to-know basis",
        ),
        Level(
            Tlp.AMBER_STRICT,
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "tlp:amber+strict",
            "the recipient's organisation only, on a need-to-know basis",
        ),
        Level(
            Tlp.RED,
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
            "tlp:red",
            "the individual recipients only, no further",
        ),
    )
}
assert set(LEVELS) == set(Tlp), "every TLP level needs its row"

EXPORTABLE = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT)
"""Levels a partner export may be made at."""


def parse_level(text: str) -> Tlp:
    """A level as typed (`amber`, `TLP:AMBER+STRICT`); UsageError naming the choices."""
    try:
        return Tlp.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def export_limit(text: str | Tlp) -> Tlp:
    """The level an export for a partner is made at; RED is refused."""
    level = text if isinstance(text, Tlp) else parse_level(text)
    if level not in EXPORTABLE:
        raise UsageError(
            f"TLP:{level} is never exported (it is for named recipients only); "
            f"export at {', '.join(str(t) for t in EXPORTABLE)}"
        )
    return level


def effective(*levels: Tlp) -> Tlp:
    """The level of something drawn from all of `levels`: the most restricted of them."""
    return max(levels, key=lambda t: t.rank) if levels else Tlp.AMBER


def shareable(level: Tlp, limit: Tlp) -> bool:
    """Whether an object at `level` may go into an export made at `limit`."""
    return level.rank <= limit.rank


def stix_marking(level: Tlp) -> dict[str, object]:
    """The OASIS TLP 2.0 marking-definition object of `level`, as published."""
    row = LEVELS[level]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": row.stix_id,
        "created": TLP2_CREATED,
        "name": f"TLP:{level}",
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": str(level).lower(),
            }
        },
    }
