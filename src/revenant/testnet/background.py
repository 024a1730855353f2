"""The unrelated web around a case: blogs, shops, news, forums, web apps, small firms
and parked domains, in French and English, with the noise real sites share (one
jQuery, one Bootstrap, Google Fonts, PHPSESSID, a CMS's default favicon, nginx and
Apache banners, one parking provider, an agency's analytics id on several sites).

Everything is drawn from the `random.Random` passed in; no I/O.
"""

from __future__ import annotations

import html
import random

from revenant.testnet import assets, identifiers, texts
from revenant.testnet.sites import CSS, JS, CertSpec, Page, Record, SiteSpec

KINDS = ("blog", "blog", "shop", "news", "forum", "app", "firm", "parked")

SERVERS = (
    (("Server", "nginx"),),
    (("Server", "nginx/1.18.0 (Ubuntu)"),),
    (("Server", "nginx/1.24.0"), ("X-Powered-By", "PHP/8.1.27")),
    (("Server", "Apache/2.4.57 (Debian)"), ("X-Powered-By", "PHP/8.2.12")),
    (("Server", "Apache"),),
    (("Server", "cloudflare"), ("CF-Cache-Status", "DYNAMIC")),
    (("Server", "LiteSpeed"), ("X-Powered-By", "PHP/7.4.33")),
)

NAME_SERVERS = (
    ("ns1.hebergix.net", "ns2.hebergix.net"),
    ("dns1.nuagefr.com", "dns2.nuagefr.com"),
    ("ada.ns.flaredns.com", "bob.ns.flaredns.com"),
    ("ns-cloud-a1.gdnsz.com", "ns-cloud-a2.gdnsz.com"),
    ("ns1.hostello.eu", "ns2.hostello.eu"),
)

FONTS = (
    '<link rel="preconnect" href="https://fonts.googleapis.com">'
    '<link href="https://fonts.googleapis.com/css2?family={family}:wght@400;700&display=swap" '
    'rel="stylesheet">'
)
FAMILIES = ("Roboto", "Open+Sans", "Lato", "Montserrat", "Poppins", "Source+Sans+3")
WP_THEMES = ("twentytwentyfour", "astra", "oceanwp", "generatepress", "kadence", "neve")

# One parking provider's page: identical apart from the domain, on many names.
_PARKED = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title>'
    '<script src="/parking/lander.js"></script></head><body class="parked">'
    "<h1>{name}</h1><p>{text}</p>"
    '<p><a href="https://parking.sedonami.example/buy?d={name}">{buy}</a></p></body></html>'
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _ga(rng: random.Random) -> str:
    return identifiers.ua_id(rng) if rng.random() < 0.5 else identifiers.ga4_id(rng)


def _analytics(tag: str) -> str:
    if not tag:
        return ""
    return (
        f'<script async src="https://www.googletagmanager.com/gtag/js?id={tag}"></script>'
        "<script>window.dataLayer = window.dataLayer || [];"
        "function gtag(){dataLayer.push(arguments);}gtag('js', new Date());"
        f"gtag('config', '{tag}');</script>"
    )


def _name(rng: random.Random, lang: str, subject: str, taken: set[str]) -> str:
    while True:
        word = rng.choice(texts.words(lang, subject)).replace(" ", "")
        word = word.encode("ascii", "ignore").decode() or "site"
        coined = texts.coined(rng, rng.randrange(2, 4))
        shape = rng.randrange(4)
        label = (
            f"{word}-{coined}",
            f"{coined}{word}",
            f"le{word}{coined}" if lang == "fr" else f"the{word}{coined}",
            f"{coined}-{rng.randrange(2, 99)}",
        )[shape]
        tld = rng.choice(("fr", "fr", "com", "net", "org", "eu", "be", "info"))
        if lang == "en":
            tld = rng.choice(("com", "com", "net", "org", "io", "co", "uk", "info"))
        name = f"{label}.{tld}"
        if name not in taken:
            taken.add(name)
            return name


def _page(lang: str, title: str, head: str, body: str, scripts: list[str]) -> bytes:
    tags = "".join(f'<script src="{s}"></script>' for s in scripts)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>{head}</head><body>{body}{tags}</body></html>"
    ).encode()


def _articles(rng: random.Random, lang: str, subject: str, count: int) -> str:
    items = []
    for _ in range(count):
        heading = texts.title(rng, lang, subject)
        slug = "-".join(heading.lower().split()[:5])
        items.append(
            f'<article class="post"><h2><a href="/{_e(slug)}/">{_e(heading)}</a></h2>'
            f"<p>{_e(texts.paragraph(rng, lang, subject, rng.randrange(2, 5)))}</p></article>"
        )
    return "".join(items)


def _blog(rng: random.Random, name: str, lang: str, subject: str, tag: str) -> list[Page]:
    theme = rng.choice(WP_THEMES)
    style = f"/wp-content/themes/{theme}/style.css"
    head = (
        '<meta name="generator" content="WordPress 6.4.2">'
        + FONTS.format(family=rng.choice(FAMILIES))
        + f'<link rel="stylesheet" href="{style}">'
        + _analytics(tag)
    )
    author = texts.person(rng)
    body = (
        f'<header class="site-header"><p class="site-title"><a href="/">{_e(name)}</a></p>'
        f'<p class="site-description">{_e(texts.title(rng, lang, subject))}</p></header>'
        f'<main id="main">{_articles(rng, lang, subject, rng.randrange(3, 7))}</main>'
        f'<footer class="site-footer">{_e(author)} · Fièrement propulsé par WordPress</footer>'
    )
    jq = "/wp-includes/js/jquery/jquery.min.js"
    return [
        Page("/", _page(lang, name, head, body, [jq])),
        Page(jq, assets.jquery(), content_type=JS),
        Page(
            style,
            assets.pseudo_css(f"/* Theme Name: {theme} */", WP_THEMES.index(theme), 5_000),
            content_type=CSS,
        ),
    ]


def _bootstrap_site(
    rng: random.Random, name: str, lang: str, subject: str, tag: str, kind: str
) -> list[Page]:
    head = (
        '<link rel="stylesheet" href="/static/css/bootstrap.min.css">'
        + (FONTS.format(family=rng.choice(FAMILIES)) if rng.random() < 0.7 else "")
        + _analytics(tag)
    )
    if kind == "shop":
        cards = "".join(
            f'<div class="card col-md-4"><div class="card-body"><h5 class="card-title">'
            f"{_e(texts.coined(rng).title())} {rng.choice(texts.words(lang, subject))}</h5>"
            f'<p class="price">{rng.randrange(5, 300)},{rng.randrange(10, 99)} €</p>'
            f'<a class="btn btn-primary" href="/panier?add={rng.randrange(9999)}">'
            f"{'Ajouter au panier' if lang == 'fr' else 'Add to basket'}</a></div></div>"
            for _ in range(rng.randrange(4, 10))
        )
        main = f'<div class="container"><div class="row">{cards}</div></div>'
    elif kind == "forum":
        topics = "".join(
            f'<tr><td><a href="/t/{rng.randrange(99999)}">{_e(texts.title(rng, lang, subject))}</a></td>'
            f"<td>{rng.randrange(200)}</td><td>{_e(texts.person(rng))}</td></tr>"
            for _ in range(rng.randrange(5, 12))
        )
        login = (
            '<form method="post" action="/login" class="d-flex"><input name="username">'
            '<input type="password" name="password"><button class="btn">OK</button></form>'
        )
        main = f'<div class="container">{login}<table class="table">{topics}</table></div>'
    elif kind == "firm":
        main = (
            f'<div class="container"><h1>{_e(texts.coined(rng).title())} &amp; fils</h1>'
            f"<p>{_e(texts.paragraph(rng, lang, subject, 3))}</p>"
            f"<p>Tél. 0{rng.randrange(1, 6)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} "
            f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}</p></div>"
        )
    else:
        main = f'<div class="container">{_articles(rng, lang, subject, rng.randrange(4, 9))}</div>'
    nav = "".join(
        f'<li class="nav-item"><a class="nav-link" href="/{w}">{_e(w.title())}</a></li>'
        for w in rng.sample(texts.words(lang, subject), 3)
    )
    body = f'<nav class="navbar navbar-expand-lg"><ul class="navbar-nav">{nav}</ul></nav>{main}'
    scripts = ["/static/js/jquery-3.6.0.min.js", "/static/js/bootstrap.bundle.min.js"]
    return [
        Page("/", _page(lang, f"{name} - {texts.title(rng, lang, subject)}", head, body, scripts)),
        Page("/static/css/bootstrap.min.css", assets.bootstrap_css(), content_type=CSS),
        Page(scripts[0], assets.jquery(), content_type=JS),
        Page(scripts[1], assets.bootstrap_js(), content_type=JS),
    ]


def _app(rng: random.Random, name: str, lang: str, tag: str) -> list[Page]:
    bundle = f"/assets/index-{rng.getrandbits(32):08x}.js"
    home = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="UTF-8">'
        '<link rel="icon" type="image/x-icon" href="/favicon.ico">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{_e(texts.coined(rng).title())}</title>{_analytics(tag)}"
        f'<script type="module" crossorigin src="{bundle}"></script></head>'
        '<body><div id="root"></div></body></html>'
    )
    code = assets.pseudo_js("/* app */", rng.getrandbits(32), 4_000)
    return [Page("/", home.encode()), Page(bundle, code, content_type=JS)]


def _parked(name: str, lang: str) -> list[Page]:
    text, buy = (
        ("Ce nom de domaine est peut-être à vendre.", "Faire une offre")
        if lang == "fr"
        else ("This domain may be for sale.", "Make an offer")
    )
    lander = assets.pseudo_js("/* lander */", 77, 2_000)
    return [
        Page("/", _PARKED.format(name=name, text=text, buy=buy).encode()),
        Page("/parking/lander.js", lander, content_type=JS),
    ]


def background_site(
    rng: random.Random,
    taken: set[str],
    agency_tag: str,
    *,
    kind: str | None = None,
    name: str | None = None,
) -> SiteSpec:
    """One unrelated site; `agency_tag` is an analytics id some sites share. `name`
    forces the domain (a namesake of a case brand, say)."""
    kind = kind or rng.choice(KINDS)
    lang = "fr" if rng.random() < 0.6 else "en"
    subject = texts.topic(rng, lang)
    name = name or _name(rng, lang, subject, taken)
    tag = agency_tag if rng.random() < 0.08 else (_ga(rng) if rng.random() < 0.75 else "")
    if kind == "blog":
        pages = _blog(rng, name, lang, subject, tag)
    elif kind == "app":
        pages = _app(rng, name, lang, tag)
    elif kind == "parked":
        pages = _parked(name, lang)
    else:
        pages = _bootstrap_site(rng, name, lang, subject, tag, kind)
    if kind == "parked":
        icon: bytes | None = None
    elif kind == "blog" and rng.random() < 0.5:
        icon = assets.cms_favicon()
    else:
        icon = assets.favicon(rng) if rng.random() < 0.85 else None
    cookies: list[tuple[str, str]] = []
    if kind in ("blog", "shop", "forum", "news") and rng.random() < 0.7:
        cookies.append(("PHPSESSID", f"{rng.getrandbits(128):032x}"))
    if kind == "shop":
        cookies.append(("cart", "0"))
    names = (name, f"www.{name}") if rng.random() < 0.6 else (name,)
    ns = rng.choice(NAME_SERVERS)
    dns = [Record("NS", ns[0]), Record("NS", ns[1])]
    if kind in ("firm", "shop", "blog") and rng.random() < 0.5:
        dns.append(Record("MX", f"10 mail.{name}"))
        dns.append(Record("TXT", "v=spf1 mx -all"))
    if len(names) == 1 and rng.random() < 0.3:
        dns.append(Record("CNAME", name, name=f"www.{name}"))
    return SiteSpec(
        names=names,
        pages=tuple(pages),
        favicon=icon,
        headers=rng.choice(SERVERS),
        cookies=tuple(cookies),
        cert=CertSpec(),
        label="background",
        operator=f"bg-{name}",
        dns=tuple(dns),
        gzip=rng.random() < 0.5,
    )
