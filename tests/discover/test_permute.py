"""discover/permute.py: a superset of dnstwist, valid IDNA only, every suffix."""

from __future__ import annotations

import os
import subprocess
import sys

import dnstwist
import idna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.discover.glyphs import keyboard_neighbours
from revenant.discover.permute import (
    FUZZERS,
    Permutation,
    default_affixes,
    permutations,
    restricted,
)
from revenant.errors import UsageError
from revenant.hostnames import public_suffixes, split

SUPERSET_DOMAINS = [
    "coco.gg",
    "paypal.com",
    "xn--bcher-kva.de",  # IDN: bücher.de
    "example.co.uk",
    "www.coco.fr",
    "my-bank.com",
    "société.fr",
    "interieur.gouv.fr",  # a multi-label suffix: dnstwist permutes "gouv" too
    "www.gendarmerie.interieur.gouv.fr",
    "www.mercadolivre.com.br",
    "a.b.github.io",  # a private-section suffix
]


def _dnstwist(domain: str) -> set[str]:
    fuzzer = dnstwist.Fuzzer(domain)
    fuzzer.generate()
    return {p["domain"] for p in fuzzer.domains if p["fuzzer"] != "*original"}


@pytest.mark.parametrize("domain", SUPERSET_DOMAINS)
def test_permutations_are_a_superset_of_dnstwist(domain: str) -> None:
    ours = {p.name for p in permutations(domain)}
    assert _dnstwist(domain) - ours == set()


def _valid(name: str) -> bool:
    try:
        return idna.encode(idna.decode(name)).decode() == name and len(name) <= 253
    except idna.IDNAError:
        return False


@pytest.mark.parametrize("domain", ["coco.gg", "xn--bcher-kva.de", "www.coco.fr"])
def test_every_name_is_valid_idna_and_unique(domain: str) -> None:
    names = [p.name for p in permutations(domain)]
    assert len(names) == len(set(names))
    assert domain not in names
    bad = [n for n in names if not _valid(n)]
    assert bad == []


def test_tld_swap_covers_the_whole_public_suffix_list() -> None:
    names = {p.name for p in permutations("coco.gg", fuzzers=["tld-swap"])}
    suffixes = public_suffixes().all - {"gg"}
    assert len(names) == len(suffixes)
    assert {"coco.fr", "coco.co.uk", "coco.xn--p1ai", "coco.github.io"} <= names


def test_dictionary_uses_the_shipped_affixes() -> None:
    assert {"chat", "tchat", "live", "new", "app", "fr", "land", "2", "24"} <= set(
        default_affixes()
    )
    names = {p.name for p in permutations("coco.gg", fuzzers=["dictionary"])}
    assert {"cocochat.gg", "coco-tchat.gg", "newcoco.gg", "coco24.fr", "coco-land.com"} <= names


def test_affixes_are_configurable() -> None:
    names = {p.name for p in permutations("coco.gg", fuzzers=["dictionary"], affixes=["zz"])}
    assert "cocozz.gg" in names
    assert "cocochat.gg" not in names


def test_keyboards_include_azerty_neighbours() -> None:
    near = keyboard_neighbours()
    assert {"z", "q"} <= set(near["a"])  # AZERTY: a sits next to z and above q
    assert "m" in near["l"]  # AZERTY home row ends in m
    names = {p.name for p in permutations("coco.gg", fuzzers=["replacement"])}
    assert "xoco.gg" in names


def test_homoglyphs_include_cyrillic_and_punycode() -> None:
    names = {p.name: p for p in permutations("coco.gg", fuzzers=["homoglyph", "cyrillic"])}
    cyrillic = idna.encode("сосо.gg").decode()  # all four letters Cyrillic
    assert cyrillic in names
    assert names[cyrillic].unicode == "сосо.gg"
    assert idna.encode("cöco.gg").decode() in names
    assert "c0co.gg" in names


def test_homoglyphs_follow_the_registry_repertoire() -> None:
    fr = {p.name for p in permutations("coco.fr", fuzzers=["homoglyph"])}
    gg = {p.name for p in permutations("coco.gg", fuzzers=["homoglyph"])}
    uk = {p.name for p in permutations("coco.co.uk", fuzzers=["homoglyph"])}
    assert idna.encode("çoco.fr").decode() in fr  # French repertoire
    assert idna.encode("ćoco.fr").decode() not in fr  # not registrable under .fr
    assert idna.encode("ćoco.gg").decode() in gg  # no known restriction under .gg
    assert all("xn--" not in n for n in uk)  # .uk: no IDN look-alikes at all
    assert "c0co.co.uk" in uk


def test_brand_words_are_permuted_under_the_domain_suffix() -> None:
    names = {p.name: p.fuzzer for p in permutations("example.fr", brands=["coco"])}
    assert names["coco.fr"] == "brand"
    assert {"cocochat.fr", "coc.fr", "coco-live.com"} <= set(names)


@pytest.mark.parametrize("fuzzer", FUZZERS)
def test_every_fuzzer_yields_names_tagged_with_its_name(fuzzer: str) -> None:
    found = list(permutations("www.paypal.co.uk", brands=["paypol"], fuzzers=[fuzzer]))
    assert found
    assert {p.fuzzer for p in found} == {fuzzer}
    assert all(type(p) is Permutation and p == (p.name, p.fuzzer) for p in found)


def test_the_order_is_the_same_in_every_process() -> None:
    # string hashes change between processes (PYTHONHASHSEED): no set may decide the order
    code = (
        "import hashlib; from revenant.discover.permute import permutations; "
        "names = [p.name for p in permutations('wikipedia.org', tlds=['com', 'fr'])]; "
        "print(len(names), hashlib.sha256(' '.join(names).encode()).hexdigest())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1


def test_bad_input_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        list(permutations("not a domain"))
    with pytest.raises(UsageError):
        list(permutations("coco.gg", fuzzers=["nope"]))
    with pytest.raises(UsageError):
        list(permutations("coco.gg", brands=["bad brand"]))


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-éöçñ"
_LABEL = st.text(alphabet=_ALPHABET, min_size=1, max_size=10)


@settings(max_examples=20, deadline=None)
@given(label=_LABEL, tld=st.sampled_from(["com", "fr", "co.uk", "gg", "de"]))
def test_generated_names_are_valid_idna_and_at_most_253_characters(label: str, tld: str) -> None:
    domain = f"{label}.{tld}"
    try:
        idna.encode(domain)
    except idna.IDNAError:
        return  # only valid inputs are promised anything
    for p in permutations(domain, tlds=["com", "fr", "xn--p1ai"], affixes=["chat", "24"]):
        assert len(p.name) <= 253
        assert _valid(p.name), p


@pytest.mark.slow
@settings(max_examples=5, deadline=None)
@given(label=st.text(alphabet=_ALPHABET, min_size=40, max_size=63))
def test_names_from_long_labels_stay_valid(label: str) -> None:
    domain = f"{label}.com"
    try:
        idna.encode(domain)
    except idna.IDNAError:
        return
    for p in permutations(domain, tlds=["com"], fuzzers=["addition", "dictionary", "various"]):
        assert len(p.name) <= 253
        assert _valid(p.name), p


@settings(max_examples=8, deadline=None)
@given(label=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10))
def test_superset_of_dnstwist_for_random_labels(label: str) -> None:
    domain = f"{label}.com"
    ours = {p.name for p in permutations(domain, tlds=["com"])}
    assert _dnstwist(domain) - ours == set()


def test_every_label_is_permuted_not_only_the_one_left_of_the_suffix() -> None:
    names = {p.name for p in permutations("gendarmerie.interieur.gouv.fr")}
    assert "gendarmerie.interieur.zgouv.fr" in names  # a suffix label
    assert "zgouv.fr" in names  # and the new domain itself
    assert "gendarmerie.interieur-gouv.fr" in names and "interieura.gouv.fr" not in names
    assert "gendarmerie.interieura.gouv.fr" in names  # the registrable label
    assert "gendarmeri.interieur.gouv.fr" in names  # a subdomain label


def test_dots_become_hyphens_or_vanish_and_hyphens_become_dots() -> None:
    names = {p.name: p.fuzzer for p in permutations("gendarmerie.interieur.gouv.fr")}
    assert {"gendarmerie-interieur-gouv.fr", "gendarmerieinterieur.gouv.fr"} <= set(names)
    assert names["gendarmerie-interieur.gouv.fr"] in ("separator", "various")
    hyphenated = {p.name for p in permutations("tchat-gratuit.fr", fuzzers=["separator"])}
    assert hyphenated == {"tchat.gratuit.fr", "tchatgratuit.fr"}


def test_names_an_outsider_can_register_come_first() -> None:
    found = [p.name for p in permutations("interieur.gouv.fr")]

    def open_(name: str) -> bool:
        parts = split(name)
        return parts.registrable != "interieur.gouv.fr" and not restricted(parts.suffix)

    opened = [i for i, n in enumerate(found) if open_(n)]
    closed = [i for i, n in enumerate(found) if not open_(n)]
    assert max(opened) < min(closed)  # interieura.gouv.fr: only the state can register it
    assert {"interieur-gouv.fr", "interieur.zgouv.fr"} <= {found[i] for i in opened}
    assert "interieura.gouv.fr" in {found[i] for i in closed}
    subdomain = [p.name for p in permutations("www.coco.gg", fuzzers=["omission"])]
    assert subdomain.index("ww.coco.gg") > subdomain.index("www.cco.gg")  # under coco.gg: last


def test_restricted_suffixes_are_an_explicit_short_list() -> None:
    assert restricted("gouv.fr") and restricted("gov.uk") and restricted("ac.jp")
    assert restricted("mil")
    assert not restricted("co.uk") and not restricted("com.br") and not restricted("fr")
    assert not restricted("github.io")
