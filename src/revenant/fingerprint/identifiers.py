"""Identifiers an operator carries from one domain to the next: analytics and ad
accounts, e-mail addresses, messenger handles and invite links, onion addresses, PGP
keys, phone numbers, crypto wallets.

Every extractor takes text (raw HTML, script bodies or visible text) and yields
(kind, value) pairs with the value normalized so two captures compare equal. Nothing
here raises on malformed input; anything that does not validate is dropped.

Every scan is linear in the text, whatever it holds: each pattern is tried where its
literal starts and reads a bounded window from there, and no scanner tries more than
MAX_TRIED places or checks more than MAX_CHECKED distinct candidates of one kind in one
text (a page can be written to hold a million candidates; a real one holds a few).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import functools
import hashlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence

import phonenumbers

from revenant.fingerprint.literals import (
    MAX_CHECKED,
    MAX_TRIED,
    LiteralSet,
    distinct,
    find_all,
    matches_at,
)
from revenant.fingerprint.wallets import WALLET_LITERALS, find_onions, find_wallets

# Patterns start with a literal, and are tried only where it occurs (`LITERALS`); word
# boundaries are checked by hand in `_bounded`, a look-behind would hide the literal.
_SIMPLE: tuple[tuple[str, re.Pattern[str], int], ...] = (
    # (kind, pattern, group); group 0 values get the boundary check
    ("ga", re.compile(r"UA-\d{4,10}-\d{1,4}"), 0),
    ("ga", re.compile(r"G-(?=[A-Z]*\d)[A-Z0-9]{8,12}"), 0),
    ("gtm", re.compile(r"GTM-(?=[A-Z]*\d)[A-Z0-9]{4,9}"), 0),
    ("gads", re.compile(r"AW-\d{6,12}"), 0),
    ("adsense", re.compile(r"(pub-\d{16})(?!\d)"), 1),  # also "ca-pub-…"
    ("ym", re.compile(r"mc\.yandex\.ru/watch/(\d{5,10})"), 1),
    ("ym", re.compile(r"ym\(\s*(\d{5,10})\s*,\s*['\"]init"), 1),
    ("ym", re.compile(r"yaCounter(\d{5,10})"), 1),
    ("fbpixel", re.compile(r"fbq\(\s*['\"]init['\"]\s*,\s*['\"]?(\d{10,20})"), 1),
    ("fbpixel", re.compile(r"facebook\.com/tr/?\?id=(\d{10,20})"), 1),
    ("hotjar", re.compile(r"hjid\s*[:=]\s*(\d{5,10})"), 1),
    ("hotjar", re.compile(r"hotjar-(\d{5,10})\.js"), 1),
)


@functools.cache
def _literal(pattern: re.Pattern[str]) -> str:
    """The literal text every match of a pattern starts with (where it is tried)."""
    out = []
    src = pattern.pattern
    i = 1 if src.startswith("(") and not src.startswith("(?") else 0  # a leading group
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src) and not src[i + 1].isalnum():
            out.append(src[i + 1])
            i += 2
        elif ch.isalnum() or ch in "-_/:'\"@ ":
            out.append(ch)
            i += 1
        else:
            break
    lit = "".join(out)
    # a quantifier may follow the last literal character and make it optional
    return lit[:-1] if i < len(src) and src[i] in "?*{" else lit


def _word_at(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in "_-")


def _bounded(text: str, m: re.Match[str]) -> bool:
    return not _word_at(text, m.start() - 1) and not _word_at(text, m.end())


_RE_MATOMO_URL = re.compile(r"""var\s+u\s*=\s*["']((?:https?:)?//[^"'\s]{3,200})["']""")
_RE_MATOMO_SITE = re.compile(r"""setSiteId['"]\s*,\s*['"]?(\d{1,6})""")

_EMAIL_TLD = re.compile(r"[a-z]{2,6}|xn--[a-z0-9-]{2,20}")  # "bylines" in a template is no TLD
_RE_EMAIL_LOCAL_BACK = re.compile(r"[A-Za-z0-9._%+-]{1,64}")  # matched on reversed text
_RE_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}")
_NOT_EMAIL_TLD = {"png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "js", "css", "ico"}
# RFC 2606 / 6761 reserved names never belong to anyone
_RESERVED_DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    ".example",
    ".test",
    ".invalid",
    ".localhost",
)

_MESSENGERS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # (kind, pattern, case-sensitive value). Telegram usernames are case-insensitive,
    # invite hashes are not.
    ("telegram", re.compile(r"t\.me/(?:joinchat/|\+)([A-Za-z0-9_-]{10,40})"), True),
    ("telegram", re.compile(r"telegram\.me/(?:joinchat/|\+)([A-Za-z0-9_-]{10,40})"), True),
    ("telegram", re.compile(r"t\.me/(?!joinchat|share/|s/)([A-Za-z][A-Za-z0-9_]{4,31})\b"), False),
    (
        "telegram",
        re.compile(r"telegram\.me/(?!joinchat|share/|s/)([A-Za-z][A-Za-z0-9_]{4,31})\b"),
        False,
    ),
    ("discord", re.compile(r"discord\.gg/([A-Za-z0-9-]{2,32})"), True),
    ("discord", re.compile(r"discord(?:app)?\.com/invite/([A-Za-z0-9-]{2,32})"), True),
    ("signal", re.compile(r"signal\.me/#p/([A-Za-z0-9+_-]{6,200})"), True),
    ("signal", re.compile(r"signal\.group/#([A-Za-z0-9+_-]{6,200})"), True),
    ("whatsapp", re.compile(r"wa\.me/(\d{6,15})"), True),
    ("whatsapp", re.compile(r"chat\.whatsapp\.com/(?:invite/)?([A-Za-z0-9]{10,40})"), True),
)

_HOST = "host-"  # before "pub-…": an AdSense host id (Blogger and other hosting platforms)

_PGP_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
_PGP_END = "-----END PGP PUBLIC KEY BLOCK-----"
PGP_BLOCK = (16, 20_000)  # characters between the two armour lines of a key
_RE_PHONE = re.compile(r"\+(\d[\d .()-]{6,20}\d)")


def find_trackers(
    text: str, found: Mapping[str, Sequence[int]] | None = None
) -> Iterator[tuple[str, str]]:
    """Analytics, tag-manager, ad and pixel account ids. `found` is `LITERALS.find(text)`,
    when the caller already has it."""
    found = LITERALS.find(text) if found is None else found
    for kind, pattern, group in _SIMPLE:
        matches = matches_at(pattern, text, found.get(_literal(pattern), ()))
        yield from distinct(
            _tracker(kind, text, m, group) for m in matches if group or _bounded(text, m)
        )
    if "_paq" in found:
        url = _RE_MATOMO_URL.search(text)
        site = _RE_MATOMO_SITE.search(text)
        if url and site:
            host = url.group(1).split("//", 1)[-1].split("/", 1)[0].lower()
            yield "matomo", f"{host}#{site.group(1)}"


def _tracker(kind: str, text: str, m: re.Match[str], group: int) -> tuple[str, str]:
    if kind == "adsense" and text.endswith(_HOST, 0, m.start(group)):
        # "ca-host-pub-…": AdSense for hosts, the hosting platform's own id
        return "adsense_host", m.group(group)
    return kind, m.group(group)


def find_emails(text: str, found: Mapping[str, Sequence[int]] | None = None) -> Iterator[str]:
    """E-mail addresses, lower-cased; file names such as logo@2x.png are not addresses."""
    ats = find_all(text, "@", MAX_TRIED) if found is None else found.get("@", ())
    return distinct(_emails(text, ats[:MAX_TRIED]))


def _emails(text: str, ats: Sequence[int]) -> Iterator[str]:
    for i in ats:
        domain = _RE_EMAIL_DOMAIN.match(text, i + 1, i + 256)
        if not domain:
            continue  # most "@" in code ("@media", "@type"): no need to look back
        # the local part ends at the "@": read backwards (one pass over at most 64
        # characters, where a search for "...$" would try each of them as a start)
        local = _RE_EMAIL_LOCAL_BACK.match(text[max(0, i - 64) : i][::-1])
        if not local or not local.group()[-1].isalnum():
            continue
        if _word_at(text, domain.end()):
            continue
        value = f"{local.group()[::-1]}@{domain.group()}".lower()
        host = value.rsplit("@", 1)[1]
        if value.rsplit(".", 1)[-1] in _NOT_EMAIL_TLD or host.endswith(_RESERVED_DOMAINS):
            continue
        if not _EMAIL_TLD.fullmatch(host.rsplit(".", 1)[-1]):
            continue
        yield value


def find_messengers(
    text: str, found: Mapping[str, Sequence[int]] | None = None
) -> Iterator[tuple[str, str]]:
    """Telegram, Discord, Signal and WhatsApp handles and invite links."""
    found = LITERALS.find(text) if found is None else found
    for kind, pattern, exact in _MESSENGERS:
        matches = matches_at(pattern, text, found.get(_literal(pattern), ()))
        yield from distinct(
            (kind, m.group(1) if exact else m.group(1).lower())
            for m in matches
            if not _word_at(text, m.start() - 1)  # "bit.me/" is not "t.me/"
        )


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


def find_pgp(text: str, found: Mapping[str, Sequence[int]] | None = None) -> Iterator[str]:
    """Fingerprints of armored PGP public keys: each END line with the nearest BEGIN line
    before it, 16 to 20,000 characters apart (an armour block holds no BEGIN line, so a
    stray one earlier cannot hide a key). Both kinds of line are found once and paired
    by bisection: a lazy regex tried at each of 100,000 BEGIN lines read up to 20,000
    characters after every one."""
    if "BEGIN PGP" not in (text if found is None else found):
        return
    begins = [b + len(_PGP_BEGIN) for b in find_all(text, _PGP_BEGIN)]  # where bodies start
    lo, hi = PGP_BLOCK
    after = 0  # blocks do not overlap
    keys = 0
    for end in itertools.islice(find_all(text, _PGP_END), MAX_TRIED):
        k = bisect.bisect_right(begins, end) - 1  # the nearest BEGIN line before the END
        if k < 0 or begins[k] < after or not lo <= end - begins[k] <= hi:
            continue
        after = end + len(_PGP_END)
        fp = _pgp_fingerprint(text[begins[k] : end])
        if fp:
            yield fp
            keys += 1
            if keys == MAX_CHECKED:
                return


def find_phones(text: str) -> Iterator[str]:
    """International (+…) phone numbers that `phonenumbers` accepts as valid, in E.164."""
    candidates = (
        m.group(1)
        for m in itertools.islice(_RE_PHONE.finditer(text), MAX_TRIED)
        if not (m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "+"))
    )
    for digits in distinct(candidates):
        try:
            num = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            yield phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def find_identifiers(
    markup: str, text: str, *, found: Mapping[str, Sequence[int]] | None = None
) -> Iterator[tuple[str, str]]:
    """Every identifier kind above, as (kind, value).

    `markup` is code and attribute values (inline scripts, hrefs, srcs): trackers and
    messenger links live there. `text` is what a visitor reads: e-mail, wallets
    (including base58 forms, which have no literal anchor and are slow to look for in
    code), onion addresses, PGP keys and phone numbers are searched in both. `found`
    is where LITERALS occur in `markup`, when the caller has it.
    """
    in_markup = LITERALS.find(markup) if found is None else found
    in_text = _TEXT_LITERALS.find(text)
    yield from find_trackers(markup, in_markup)
    yield from find_messengers(markup, in_markup)
    for hay, where in ((markup, in_markup), (text, in_text)):
        for email in find_emails(hay, where):
            yield "email", email
        for onion in find_onions(hay, where):
            yield "onion", onion
        for fp in find_pgp(hay, where):
            yield "pgp", fp
    yield from find_wallets(markup, anchored_only=True, found=in_markup)
    yield from find_wallets(text, found=in_text)
    for phone in find_phones(text):
        yield "phone", phone


# every literal the scanners above start from, found in one pass per text; visible
# text is searched for fewer kinds
_TEXT_LITERALS = LiteralSet(["@", "BEGIN PGP", *WALLET_LITERALS])
LITERALS = LiteralSet(
    [
        *(_literal(pattern) for _, pattern, _ in _SIMPLE),
        *(_literal(pattern) for _, pattern, _ in _MESSENGERS),
        "_paq",
        *_TEXT_LITERALS.literals,
    ]
)
