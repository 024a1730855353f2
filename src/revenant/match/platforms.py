"""Hosted platforms (Blogger, Wix, Shopify...) that write their own analytics and
advertising ids into the template of every site they host.

Two sites on one such platform may share a tracker id because the platform put it
there, not because one operator runs both. The site says which platform it is on: its
generator meta, or a host that is a customer subdomain of the platform's domain
(x.blogspot.com). Then a shared tracker id is taken as no rarer than the platform
itself. The list is general knowledge, shipped in the seed
(`revenant/data/background_seed.json`, "hosted_platforms").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from revenant.model import CaseFingerprint, Fingerprint


@dataclass(frozen=True)
class Platform:
    """A hosted platform: how a site shows it is on it, and how common it is."""

    name: str
    label: str
    generators: tuple[str, ...]  # generator meta values, lower-cased, as prefixes
    hosts: tuple[str, ...]  # customers get subdomains of these
    share: float  # general-knowledge seed: share of web sites on it


@cache
def hosted_platforms() -> tuple[Platform, ...]:
    """The seed's list of hosted platforms (read once)."""
    raw = json.loads(
        resources.files("revenant.data").joinpath("background_seed.json").read_text("utf-8")
    )
    return tuple(
        Platform(
            name,
            str(entry["label"]),
            tuple(str(g).lower() for g in entry["generators"]),
            tuple(str(h).lower() for h in entry["hosts"]),
            float(entry["share"]),
        )
        for name, entry in sorted(raw.get("hosted_platforms", {}).items())
    )


def platform_of(fp: Fingerprint) -> Platform | None:
    """The hosted platform a site shows it is on, if any."""
    generators = [f.value for f in fp.features if f.kind == "generator"]
    host = fp.host.lower().rstrip(".")
    for platform in hosted_platforms():
        on_it = any(g.startswith(platform.generators) for g in generators) or any(
            host.endswith("." + h) for h in platform.hosts
        )
        if on_it:
            return platform
    return None


def shared_platform(case_fp: CaseFingerprint, fp: Fingerprint) -> Platform | None:
    """The hosted platform both the candidate and one of the case's captures are on."""
    mine = platform_of(fp)
    if mine is None:
        return None
    return mine if any(platform_of(ref) == mine for ref in case_fp.references) else None
