"""Tables of look-alike characters and keyboard neighbours, shared by the permutation
generator (which applies them) and the triage (which folds them back, TR39-style).

Only data and pure functions on it live here; nothing does I/O.
"""

from __future__ import annotations

from functools import cache

# Precomposed Latin letters and IPA/small-capital forms that read as the ASCII key.
# Every character is checked against IDNA 2008 at use (hostnames.safe_char).
LATIN: dict[str, str] = {
    "2": "ƻ",
    "3": "ʒ",
    "5": "ƽ",
    "a": "àáâãäåāăąǎȧɑəạảấầẩẫậắằẳẵặǻȁȃ",
    "b": "ƅɓʙḃḅḇƀ",
    "c": "çćĉċčƈᴄȼ",
    "d": "ďđɖɗḋḍḏḑḓ",
    "e": "èéêëēĕėęěȩɇḛẹẻẽếềểễệȅȇ",
    "f": "ƒḟ",
    "g": "ĝğġģǥǧǵɡɢ",
    "h": "ĥħȟɦḣḥḧḩḫẖⱨ",
    "i": "ìíîïĩīĭįıǐȋɨɩɪỉịȉ",
    "j": "ĵǰɉʝ",
    "k": "ķĸǩᴋḳḵⱪ",
    "l": "ĺļľłɫŀƚ",
    "m": "ɱᴍḿṁṃ",
    "n": "ñńņňŋǹṅṇṉꞑ",
    "o": "òóôõöøōŏőơȯᴏọỏốồổỗộớờởỡợǿȍȏ",
    "p": "ƥƿṕṗ",
    "q": "ʠ",
    "r": "ŕŗřȑȓɍɼɽɾʀṙṛṟ",
    "s": "śŝşšșʂṡṣꜱ",
    "t": "ţťŧƫțṫṭ",
    "u": "ùúûüũūŭůűųưǔȕȗʉᴜụủứừửữự",
    "v": "ᴠᶌṽṿⱱⱴ",
    "w": "ŵᴡẁẃẅẇẉẘⱳ",
    "x": "ẋẍ",
    "y": "ýÿŷƴȳɏʏẏỵỿỳỷỹ",
    "z": "źżžƶʐᴢẓẕⱬ",
    "ae": "æ",
    "oe": "œ",
}

# Look-alikes within ASCII: what a reader takes for the key at a glance.
ASCII: dict[str, tuple[str, ...]] = {
    "0": ("o",),
    "1": ("l", "i"),
    "3": ("8",),
    "6": ("9",),
    "8": ("3",),
    "9": ("6",),
    "b": ("d", "lb"),
    "c": ("e",),
    "d": ("b", "cl", "dl"),
    "e": ("c",),
    "g": ("q",),
    "h": ("lh",),
    "i": ("1", "l"),
    "k": ("lc",),
    "l": ("1", "i"),
    "m": ("n", "nn", "rn"),
    "n": ("m", "r"),
    "o": ("0",),
    "q": ("g",),
    "u": ("v",),
    "v": ("u",),
    "w": ("vv",),
    "rn": ("m",),
    "cl": ("d",),
}

# Whole-script look-alikes: Cyrillic and Greek letters drawn like Latin ones.
CYRILLIC: dict[str, str] = {
    "a": "а", "b": "ь", "c": "с", "d": "ԁ", "e": "е", "g": "ԍ", "h": "һ", "i": "і",
    "j": "ј", "k": "к", "l": "ӏ", "m": "м", "o": "о", "p": "р", "q": "ԛ", "s": "ѕ",
    "t": "т", "v": "ѵ", "w": "ԝ", "x": "х", "y": "у",
}  # fmt: skip
GREEK: dict[str, str] = {
    "a": "α", "i": "ι", "k": "κ", "n": "η", "o": "ο", "p": "ρ", "t": "τ", "u": "υ",
    "v": "ν", "x": "χ", "y": "γ",
}  # fmt: skip


@cache
def homoglyphs() -> dict[str, tuple[str, ...]]:
    """Key (one or two ASCII characters) -> every look-alike the generator substitutes."""
    out: dict[str, list[str]] = {}
    for table in (ASCII, {k: tuple(v) for k, v in LATIN.items()}):
        for key, glyphs in table.items():
            out.setdefault(key, []).extend(g for g in glyphs if g not in out.get(key, ()))
    for table2 in (CYRILLIC, GREEK):
        for key, glyph in table2.items():
            if glyph not in out.setdefault(key, []):
                out[key].append(glyph)
    return {k: tuple(v) for k, v in out.items()}


# Registries restrict which letters an IDN under them may use; a look-alike outside the
# repertoire cannot be registered, so generating it is noise. Suffix -> allowed non-ASCII
# letters ("" = no Latin look-alikes at all). Suffixes not listed take every glyph.
_EUROPEAN = (
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿāăąćĉċčďđēĕėęěĝğġģĥħĩīĭįĵķĸĺļľłńņňōŏőœŕŗřśŝşšţťŧũūŭůűųŵŷźżž"
)
_FRENCH = "àáâãäåæçèéêëìíîïñòóôõöùúûüýÿœ"
REPERTOIRES: dict[str, str] = {
    **dict.fromkeys(
        ("ad", "cz", "sk", "uk", "co.uk", "nl", "edu", "us", "gov", "mil", "jp", "co.jp",
         "ad.jp", "ne.jp", "cn", "com.cn", "tw", "com.tw", "net.tw"), ""),
    "info": "áäåæéíñóöøúüąćčėęįłńőśšūűųźżž",
    **dict.fromkeys(("br", "com.br"), "àáâãçéêíóôõúüýÿ"),
    "dk": "äåæéöøü",
    **dict.fromkeys(("eu", "de", "pl", "at", "se", "hu", "lt", "lv", "ee"), _EUROPEAN),
    "fi": "áâäåõöčđŋšŧžǥǧǩʒ",
    "no": "àáäåæçèéêïñòóôöøüčńŋšŧž",
    **dict.fromkeys(("be", "fr", "re", "yt", "pm", "wf", "tf", "ch", "li"), _FRENCH),
    "ca": "àâæçèéêëîïôùûüÿœ",
}  # fmt: skip


@cache
def homoglyphs_for(suffix: str) -> dict[str, tuple[str, ...]]:
    """`homoglyphs()` restricted to what the registry of `suffix` accepts (by the suffix,
    else its last label); ASCII look-alikes are always kept."""
    allowed = REPERTOIRES.get(suffix, REPERTOIRES.get(suffix.rsplit(".", 1)[-1]))
    table = homoglyphs()
    if allowed is None:
        return table
    keep = set(allowed)
    out = {k: tuple(g for g in v if g.isascii() or g in keep) for k, v in table.items()}
    return {k: v for k, v in out.items() if v}


# ------------------------------------------------------------------ keyboards

_LAYOUTS: dict[str, tuple[str, ...]] = {
    "qwerty": ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "qwertz": ("1234567890", "qwertzuiop", "asdfghjkl", "yxcvbnm"),
    "azerty": ("1234567890", "azertyuiop", "qsdfghjklm", "wxcvbn"),
}


@cache
def keyboard_neighbours() -> dict[str, str]:
    """Character -> the keys around it on QWERTY, QWERTZ and AZERTY, merged."""
    near: dict[str, set[str]] = {}
    for rows in _LAYOUTS.values():
        for r, row in enumerate(rows):
            for c, key in enumerate(row):
                cells = [
                    (r, c - 1),
                    (r, c + 1),
                    (r - 1, c),
                    (r - 1, c + 1),
                    (r + 1, c - 1),
                    (r + 1, c),
                ]
                for rr, cc in cells:
                    if 0 <= rr < len(rows) and 0 <= cc < len(rows[rr]):
                        near.setdefault(key, set()).add(rows[rr][cc])
                        near.setdefault(rows[rr][cc], set()).add(key)
    return {k: "".join(sorted(v)) for k, v in near.items()}
