"""Features of the HTTP response headers: HHHash, server software, cookie names.

HHHash (CIRCL) is the sha256 of the header names in the order received, joined by
":", prefixed "hhh:1:"; equal to `hhhash.hash_from_banner` on the same response.
"""

from __future__ import annotations

import hashlib

from revenant.model import Headers


def hhhash(headers: Headers) -> str:
    """HHHash of a response's header names, in the order received."""
    names = ":".join(name.strip() for name, _ in headers)
    return "hhh:1:" + hashlib.sha256(names.encode("utf-8", "replace")).hexdigest()


def cookie_names(headers: Headers) -> list[str]:
    """Names of the cookies a response sets, e.g. ["PHPSESSID", "lang"]."""
    out = []
    for name, value in headers:
        if name.lower() == "set-cookie":
            cookie = value.split(";", 1)[0]
            if "=" in cookie:
                key = cookie.split("=", 1)[0].strip()
                if key and len(key) <= 128:
                    out.append(key)
    return out


def header_features(headers: Headers) -> list[tuple[str, str]]:
    """("hhhash", …), ("server", …), ("powered_by", …), ("cookie", name) features."""
    if not headers:
        return []
    out = [("hhhash", hhhash(headers))]
    for name, value in headers:
        low = name.lower()
        if low == "server" and value.strip():
            out.append(("server", value.strip().lower()[:200]))
        elif low == "x-powered-by" and value.strip():
            out.append(("powered_by", value.strip().lower()[:200]))
    out.extend(("cookie", c) for c in cookie_names(headers))
    return out
