"""Identifiers an operator carries from one domain to the next: analytics and ad
accounts, e-mail addresses, messenger handles and invite links, onion addresses, PGP
keys, phone numbers, crypto wallets.

Every extractor takes text (raw HTML, script bodies or visible text) and yields
(kind, value) pairs with the value normalized so two captures compare equal. Nothing
here raises on malformed input; anything that does not validate is dropped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterator

import phonenumbers

from revenant.fingerprint.wallets import find_onions, find_wallets

_NB = r"(?<![A-Za-z0-9_-])"
_NA = r"(?![A-Za-z0-9_])"

_SIMPLE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ga", re.compile(_NB + r"(UA-\d{4,10}-\d{1,4})" + _NA)),
    ("ga", re.compile(_NB + r"(G-(?=[A-Z]*\d)[A-Z0-9]{8,12})" + _NA)),
    ("gtm", re.compile(_NB + r"(GTM-(?=[A-Z]*\d)[A-Z0-9]{4,9})" + _NA)),
    ("gads", re.compile(_NB + r"(AW-\d{6,12})" + _NA)),
    ("adsense", re.compile(_NB + r"(?:ca-)?(pub-\d{16})" + _NA)),
    ("ym", re.compile(r"mc\.yandex\.ru/watch/(\d{5,10})")),
    ("ym", re.compile(r"\bym\(\s*(\d{5,10})\s*,\s*['\"]init")),
    ("ym", re.compile(r"\byaCounter(\d{5,10})\b")),
    ("fbpixel", re.compile(r"fbq\(\s*['\"]init['\"]\s*,\s*['\"]?(\d{10,20})")),
    ("fbpixel", re.compile(r"facebook\.com/tr/?\?id=(\d{10,20})")),
    ("hotjar", re.compile(r"\bhjid\s*[:=]\s*(\d{5,10})")),
    ("hotjar", re.compile(r"static\.hotjar\.com/c/hotjar-(\d{5,10})\.js")),
)

_RE_MATOMO_URL = re.compile(r"""var\s+u\s*=\s*["']((?:https?:)?//[^"'\s]{3,200})["']""")
_RE_MATOMO_SITE = re.compile(r"""setSiteId['"]\s*,\s*['"]?(\d{1,6})""")

_RE_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![A-Za-z0-9-])"
)
_NOT_EMAIL_TLD = {"png", "jpg", "jpeg", "gif", "svg", "webp", "js", "css", "ico"}

_MESSENGERS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # (kind, pattern, case-sensitive value). Telegram usernames are case-insensitive,
    # invite hashes are not.
    ("telegram", re.compile(r"(?:t|telegram)\.me/(?:joinchat/|\+)([A-Za-z0-9_-]{10,40})"), True),
    ("telegram", re.compile(r"(?:t|telegram)\.me/(?!joinchat|share|s/)([A-Za-z][A-Za-z0-9_]{4,31})\b"), False),
    ("discord", re.compile(r"discord(?:\.gg|(?:app)?\.com/invite)/([A-Za-z0-9-]{2,32})"), True),
    ("signal", re.compile(r"signal\.(?:me/#p|group/#)/?([A-Za-z0-9+_-]{6,200})"), True),
    ("whatsapp", re.compile(r"wa\.me/(\d{6,15})"), True),
    ("whatsapp", re.compile(r"chat\.whatsapp\.com/(?:invite/)?([A-Za-z0-9]{10,40})"), True),
)

_RE_PGP = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----(.{16,20000}?)-----END PGP PUBLIC KEY BLOCK-----",
    re.DOTALL,
)
_RE_PHONE = re.compile(r"(?:tel:|(?<![\w+]))(\+\d[\d .()-]{6,20}\d)")


def find_trackers(text: str) -> Iterator[tuple[str, str]]:
    """Analytics, tag-manager, ad and pixel account ids."""
    for kind, pattern in _SIMPLE:
        for m in pattern.finditer(text):
            yield kind, m.group(1)
    if "_paq" in text:
        url = _RE_MATOMO_URL.search(text)
        site = _RE_MATOMO_SITE.search(text)
        if url and site:
            host = url.group(1).split("//", 1)[-1].split("/", 1)[0].lower()
            yield "matomo", f"{host}#{site.group(1)}"


def find_emails(text: str) -> Iterator[str]:
    """E-mail addresses, lower-cased; file names such as logo@2x.png are not addresses."""
    for m in _RE_EMAIL.finditer(text):
        value = m.group(1).lower().strip(".")
        if value.rsplit(".", 1)[-1] not in _NOT_EMAIL_TLD:
            yield value


def find_messengers(text: str) -> Iterator[tuple[str, str]]:
    """Telegram, Discord, Signal and WhatsApp handles and invite links."""
    for kind, pattern, exact in _MESSENGERS:
        for m in pattern.finditer(text):
            yield kind, m.group(1) if exact else m.group(1).lower()


def _pgp_fingerprint(armor: str) -> str | None:
    """V4 fingerprint (SHA-1 of the first public-key packet), upper-case hex."""
    lines = [ln.strip() for ln in armor.strip().splitlines()]
    body_lines: list[str] = []
    in_body = False
    for ln in lines:
        if not in_body:
            if ln == "":
                in_body = True
            elif ":" not in ln:  # no armor headers at all
                in_body = True
                body_lines.append(ln)
            continue
        if ln.startswith("="):
            break  # CRC24 line
        body_lines.append(ln)
    try:
        raw = base64.b64decode("".join(body_lines), validate=False)
    except (binascii.Error, ValueError):
        return None
    if len(raw) < 3 or not raw[0] & 0x80:
        return None
    tag_byte = raw[0]
    if tag_byte & 0x40:  # new format
        tag, first = tag_byte & 0x3F, raw[1]
        if first < 192:
            length, off = first, 2
        elif first < 224 and len(raw) > 2:
            length, off = ((first - 192) << 8) + raw[2] + 192, 3
        elif first == 255 and len(raw) > 5:
            length, off = int.from_bytes(raw[2:6], "big"), 6
        else:
            return None
    else:
        tag, ltype = (tag_byte >> 2) & 0x0F, tag_byte & 3
        size = {0: 1, 1: 2, 2: 4}.get(ltype)
        if size is None or len(raw) < 1 + size:
            return None
        length, off = int.from_bytes(raw[1 : 1 + size], "big"), 1 + size
    body = raw[off : off + length]
    if tag != 6 or len(body) != length or not body or body[0] != 4:
        return None
    return hashlib.sha1(b"\x99" + length.to_bytes(2, "big") + body).hexdigest().upper()


def find_pgp(text: str) -> Iterator[str]:
    """Fingerprints of armored PGP public keys."""
    if "BEGIN PGP" not in text:
        return
    for m in _RE_PGP.finditer(text):
        fp = _pgp_fingerprint(m.group(1))
        if fp:
            yield fp


def find_phones(text: str) -> Iterator[str]:
    """International (+…) phone numbers that `phonenumbers` accepts as valid, in E.164."""
    for m in _RE_PHONE.finditer(text):
        try:
            num = phonenumbers.parse(m.group(1), None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            yield phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def find_identifiers(text: str) -> Iterator[tuple[str, str]]:
    """Every identifier kind above, as (kind, value)."""
    yield from find_trackers(text)
    for email in find_emails(text):
        yield "email", email
    yield from find_messengers(text)
    yield from find_wallets(text)
    for onion in find_onions(text):
        yield "onion", onion
    for fp in find_pgp(text):
        yield "pgp", fp
    for phone in find_phones(text):
        yield "phone", phone
