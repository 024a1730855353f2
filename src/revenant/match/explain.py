"""Words for evidence: what each feature kind is called in a report, and the sentences
that go with a contribution and a total.

The total is phrased as forensic evaluative reporting does (ENFSI guideline, 2015): a
likelihood ratio between two propositions, never a probability that the site "is" the
platform.
"""

from __future__ import annotations

from revenant.model import Feature, Verdict

KIND_LABELS: dict[str, str] = {
    "ga": "Google Analytics property",
    "gtm": "Google Tag Manager container",
    "gads": "Google Ads account",
    "adsense": "AdSense publisher id",
    "ym": "Yandex Metrica counter",
    "matomo": "Matomo tracker",
    "fbpixel": "Facebook pixel",
    "hotjar": "Hotjar site id",
    "email": "e-mail address",
    "telegram": "Telegram handle or invite",
    "discord": "Discord invite",
    "signal": "Signal link",
    "whatsapp": "WhatsApp number or group",
    "btc": "Bitcoin address",
    "eth": "Ethereum address",
    "xmr": "Monero address",
    "ltc": "Litecoin address",
    "trx": "TRON address",
    "onion": "onion address",
    "pgp": "PGP key",
    "phone": "phone number",
    "favicon_mmh3": "favicon (Shodan hash)",
    "favicon_sha256": "favicon (sha256)",
    "asset_sha256": "script or style file (sha256)",
    "asset_url": "asset path",
    "build_asset": "build-hashed asset",
    "script_host": "third-party script host",
    "inline_script": "inline script",
    "form": "form (action and fields)",
    "form_fields": "form field set",
    "endpoint": "API/WebSocket endpoint",
    "cookie": "cookie name",
    "generator": "generator",
    "hhhash": "HTTP header set (HHHash)",
    "server": "Server header",
    "powered_by": "X-Powered-By header",
    "spki": "TLS public key (SPKI sha256)",
    "san": "certificate name",
    "issuer": "certificate issuer",
    "ip": "IP address",
    "net": "network (/24)",
    "asn": "autonomous system",
    "ns": "name server",
    "mx": "mail exchanger",
    "title": "page title",
    "text": "visible text",
    "link_host": "outbound link to",
}


def label(kind: str) -> str:
    """'ga' -> 'Google Analytics property'; unknown kinds are shown as they are."""
    return KIND_LABELS.get(kind, kind)


def shorten(value: str, limit: int = 72) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def feature_why(feature: Feature, df: int, n: int, bits: float, note: str = "") -> str:
    """'shares Google Analytics property UA-1-1 — seen on 0 of 48,211 unrelated sites:
    +15.6 bits'."""
    extra = f" ({note})" if note else ""
    return (
        f"shares {label(feature.kind)} {shorten(feature.value)} — seen on {df:,} of {n:,} "
        f"unrelated sites: +{bits:.1f} bits{extra}"
    )


def similarity_why(
    what: str, detail: str, k: int, m: int, p: float, bits: float, note: str = ""
) -> str:
    """'visible text near-identical (3 of 64 bits differ) — as close as 0 of 12,000
    unrelated pairs: +9.6 bits'."""
    extra = f" ({note})" if note else ""
    basis = (
        f"as close as {k:,} of {m:,} unrelated pairs"
        if m
        else f"about 1 in {max(1.0, 1 / p):,.0f} unrelated pairs by the prior model"
    )
    return f"{what} {detail} — {basis}: +{bits:.1f} bits{extra}"


def sentence(target: str, case: str, bits: float, verdict: Verdict) -> str:
    """The evaluative sentence for a total."""
    if bits <= 0:
        return (
            f"No shared observation distinguishes {target} from an unrelated site; "
            f"the observations give no support to it being operated by those behind {case}."
        )
    ratio = 2.0**bits
    approx = f"2^{bits:.0f} (about {ratio:,.0f})" if bits < 40 else f"2^{bits:.0f}"
    strength = {
        Verdict.REEMERGENCE: "very strong support",
        Verdict.PROBABLE: "moderately strong support",
        Verdict.UNRELATED: "weak or no support",
    }[verdict]
    return (
        f"These observations are {approx} times more probable if {target} is operated by "
        f"those behind {case} than if it were an unrelated site; they provide {strength} "
        f"for that proposition."
    )
