"""Identifiers: trackers, e-mail, messengers, PGP keys, phones."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from revenant.fingerprint.identifiers import (
    _MESSENGERS,
    _SIMPLE,
    LITERALS,
    _literal,
    find_emails,
    find_identifiers,
    find_messengers,
    find_pgp,
    find_phones,
    find_trackers,
)
from revenant.fingerprint.literals import MIN_INDEXED, matches_at


def test_google_ids() -> None:
    code = "gtag('config', 'UA-1234567-2'); gtag('config','G-AB12CD34EF'); GTM-K9X2ZQ; AW-123456789"
    found = set(find_trackers(code))
    assert {
        ("ga", "UA-1234567-2"),
        ("ga", "G-AB12CD34EF"),
        ("gtm", "GTM-K9X2ZQ"),
        ("gads", "AW-123456789"),
    } <= found


def test_google_ids_need_boundaries_and_digits() -> None:
    assert not set(find_trackers("XUA-1234567-2 IMG-BACKGROUNDS G-ABCDEFGHIJ"))


def test_yandex_facebook_hotjar_adsense() -> None:
    code = (
        'ym(98765432, "init", {}); fbq("init", "123456789012345");'
        'hjid:1234567, data-ad-client="ca-pub-1234567890123456"'
    )
    found = set(find_trackers(code))
    assert ("ym", "98765432") in found
    assert ("fbpixel", "123456789012345") in found
    assert ("hotjar", "1234567") in found
    assert ("adsense", "pub-1234567890123456") in found


def test_an_adsense_host_id_is_the_platforms_not_the_publishers() -> None:
    code = "'adsenseHostId': 'ca-host-pub-1556223355139109', google_ad_client: 'ca-pub-1234567890123456'"
    found = set(find_trackers(code))
    assert found == {
        ("adsense_host", "pub-1556223355139109"),
        ("adsense", "pub-1234567890123456"),
    }


def test_matomo_tracker_and_site_id() -> None:
    code = "var _paq=[];var u='//stats.papoti.fr/';_paq.push(['setTrackerUrl', u+'matomo.php']);_paq.push(['setSiteId', '7']);"
    assert ("matomo", "stats.papoti.fr#7") in set(find_trackers(code))


def test_emails_normalized_and_file_names_rejected() -> None:
    text = "Contact: Admin@Papoti.FR, logo@2x.png, yourname@example.com, a@b.bylines"
    assert list(find_emails(text)) == ["admin@papoti.fr"]


def test_messengers() -> None:
    text = (
        "https://t.me/PapotiChat https://t.me/joinchat/AbCdEfGhIjK123 https://discord.gg/abc123 "
        "https://wa.me/33612345678 https://chat.whatsapp.com/AbCdEfGhIjKlMn https://signal.me/#p/+33612345678"
    )
    found = set(find_messengers(text))
    assert ("telegram", "papotichat") in found
    assert ("telegram", "AbCdEfGhIjK123") in found
    assert ("discord", "abc123") in found
    assert ("whatsapp", "33612345678") in found
    assert ("whatsapp", "AbCdEfGhIjKlMn") in found
    assert ("signal", "+33612345678") in found


def test_messenger_lookalike_host_rejected() -> None:
    assert not list(find_messengers("https://bit.me/papotichat"))


def _pgp_armor(body: bytes, new_format: bool) -> tuple[str, str]:
    header = (
        bytes([0xC6, len(body)]) if new_format else bytes([0x99]) + len(body).to_bytes(2, "big")
    )
    packet = header + body
    armor = (
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n"
        + base64.b64encode(packet).decode()
        + "\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----"
    )
    expected = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
    return armor, expected


def _rsa_body() -> bytes:
    n = int.from_bytes(hashlib.sha512(b"n").digest(), "big") | 1
    mpi_n = n.bit_length().to_bytes(2, "big") + n.to_bytes((n.bit_length() + 7) // 8, "big")
    mpi_e = (17).to_bytes(2, "big") + (65537).to_bytes(3, "big")
    return bytes([4]) + (1_700_000_000).to_bytes(4, "big") + bytes([1]) + mpi_n + mpi_e


def test_pgp_fingerprint_old_and_new_packet_format() -> None:
    for new_format in (False, True):
        armor, expected = _pgp_armor(_rsa_body(), new_format)
        assert list(find_pgp(f"<pre>{armor}</pre>")) == [expected]


def test_pgp_garbage_block_ignored() -> None:
    bad = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all!!!!\n-----END PGP PUBLIC KEY BLOCK-----"
    assert list(find_pgp(bad)) == []


def test_phones_e164_and_invalid_rejected() -> None:
    assert list(find_phones("Appelez le +33 1 23 45 67 89")) == ["+33123456789"]
    assert list(find_phones("+1 000 000 0000")) == []


def test_find_identifiers_splits_code_and_text() -> None:
    found = set(
        find_identifiers("gtag('config','UA-1234567-1')", "BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
    )
    assert ("ga", "UA-1234567-1") in found
    assert ("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") in found


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000), st.text(max_size=3000))
def test_find_identifiers_never_raises(markup: str, text: str) -> None:
    for kind, value in find_identifiers(markup, text):
        assert kind and value


@settings(max_examples=100, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("UAGTM-0123456789@.abc:/t.me+ -----BEGIN PGP PUBLIC KEY"),
        max_size=500,
    )
)
def test_find_identifiers_on_adversarial_alphabet(text: str) -> None:
    list(find_identifiers(text, text))


def test_trackers_found_in_long_code() -> None:
    code = "var x = 1;" * 2000 + "gtag('config', 'UA-1234567-2'); t.me/papotichat"
    assert len(code) > MIN_INDEXED
    assert ("ga", "UA-1234567-2") in set(find_trackers(code))
    assert ("telegram", "papotichat") in set(find_messengers(code))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="UAG-0123456789x.é\U0001f600 '", max_size=200))
def test_trackers_found_after_multibyte_characters(tail: str) -> None:
    code = "é" * MIN_INDEXED + tail + " UA-1234567-2 "
    assert ("ga", "UA-1234567-2") in set(find_trackers(code))


def test_every_scanner_literal_is_indexed() -> None:
    assert {"UA-", "GTM-", "pub-", "t.me/", "discord", "@", "0x", "bc1", ".onion"} <= set(
        LITERALS.literals
    )


_ANCHORED = st.lists(
    st.sampled_from(
        [
            *("UA-", "G-", "GTM-", "AW-", "pub-", "ym(", "fbq(", "hjid", "hotjar-", "yaCounter"),
            *("t.me/", "telegram.me/", "joinchat/", "+", "discord.gg/", "discordapp.com/invite/"),
            *("wa.me/", "signal.me/#p/", "'init'", "1234567", "89", "-", "ABC", "x", " ", ", "),
            ".",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_ANCHORED)
def test_patterns_tried_at_their_literal_match_what_finditer_finds(code: str) -> None:
    found = LITERALS.find(code)
    for pattern in [p for _, p, _ in _SIMPLE] + [p for _, p, _ in _MESSENGERS]:
        tried = matches_at(pattern, code, found.get(_literal(pattern), ()))
        assert [m.span() for m in tried] == [m.span() for m in pattern.finditer(code)]


def test_a_handle_that_runs_into_another_link_is_one_match() -> None:
    # finditer never starts inside the previous match: "telegram" is the handle here
    assert set(find_messengers("telegram.me/telegram.me/hotjar-")) == {("telegram", "telegram")}
