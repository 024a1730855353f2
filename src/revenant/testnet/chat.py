"""Chat platforms as sites: the seized platform, its re-emergences and the decoys that
run the same software or the same theme all render from a `ChatIdentity` here.

Four templates: "classic" (the seized platform's own theme, also sold to others),
"stock" (the default theme of the open-source OpenTchat app), "rebuilt" (a
single-page-app shell whose bundle carries the operator's configuration) and "spa" (a
single-page app whose every word and identifier arrives as JSON and is drawn by
JavaScript: the raw markup is an empty shell, only a browser sees the site). Content is
neutral: pseudonym login, rooms, rules. No I/O; pure functions of their inputs.
"""

from __future__ import annotations

import functools
import html
import json
import random
from dataclasses import dataclass

from revenant.testnet import assets
from revenant.testnet.sites import CSS, JS, JSON, Page

BLOCKS = ("login", "rooms", "online", "about", "rules")


@dataclass(frozen=True)
class ChatIdentity:
    """Everything that makes one chat site itself: operator identifiers, texts, theme."""

    brand: str
    domain: str
    title: str
    tagline: str
    intro: str
    button: str
    rooms: tuple[str, ...]
    favicon: bytes
    endpoint: str = "/ws/chat"
    analytics: str = ""  # "UA-…", "G-…", "matomo:<site id>" or ""
    telegram: str = ""
    wallet: str = ""
    email: str = ""
    lang: str = "fr"
    template: str = "classic"  # "classic" | "stock" | "rebuilt" | "spa"
    order: tuple[str, ...] = BLOCKS
    build: str = "0000000"
    code_seed: int = 0  # the operator's own client code
    vendor: bool = True  # serves the OpenTchat client script
    announce: str = ""  # a "new address" notice naming another domain
    fields: tuple[str, ...] = ("pseudo", "age", "genre", "cp")
    favicon_path: str = "/favicon.ico"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


@functools.cache
def classic_css() -> bytes:
    """The classic theme's stylesheet: identical on every site using the theme."""
    return assets.pseudo_css("/* theme Salon v4 - (c) studio-tchat */", 4004, 7_000)


def _analytics(identity: ChatIdentity) -> str:
    tag = identity.analytics
    if not tag:
        return ""
    if tag.startswith("matomo:"):
        site_id = tag.split(":", 1)[1]
        return (
            "<script>var _paq = window._paq = window._paq || [];"
            "_paq.push(['trackPageView']);_paq.push(['enableLinkTracking']);"
            f"(function(){{var u='//stats.{identity.domain}/';"
            "_paq.push(['setTrackerUrl', u+'matomo.php']);"
            f"_paq.push(['setSiteId', '{site_id}']);}})();</script>"
        )
    return (
        f'<script async src="https://www.googletagmanager.com/gtag/js?id={tag}"></script>'
        "<script>window.dataLayer = window.dataLayer || [];"
        "function gtag(){dataLayer.push(arguments);}gtag('js', new Date());"
        f"gtag('config', '{tag}');</script>"
    )


def operator_script(identity: ChatIdentity) -> bytes:
    """The operator's own client code: configuration plus a body drawn from code_seed."""
    config = [
        f'ws:(location.protocol==="https:"?"wss://":"ws://")+location.host+"{identity.endpoint}"'
    ]
    if identity.telegram:
        config.append(f'tg:"{identity.telegram}"')
    if identity.wallet:
        config.append(f'don:"{identity.wallet}"')
    config.append(f"rooms:[{','.join(repr(r) for r in identity.rooms)}]")
    body = assets.pseudo_js("/* app */", identity.code_seed, 6_000).decode()
    return (
        f"window.CHAT_CFG={{{','.join(config)}}};\n"
        "function connect(){var s=new WebSocket(CHAT_CFG.ws);"
        "s.onmessage=function(m){render(JSON.parse(m.data))};return s}\n" + body
    ).encode()


def _login(identity: ChatIdentity) -> str:
    """The pseudonym form: the classic theme's markup, or OpenTchat's stock one (same
    field names by default, different structure)."""
    pseudo, age, genre, place = identity.fields
    labels = (
        ("Pseudo", "Âge", "Je suis", "Code postal")
        if identity.lang == "fr"
        else ("Nickname", "Age", "I am", "Postcode")
    )
    genders = (
        ("un homme", "une femme", "autre") if identity.lang == "fr" else ("man", "woman", "other")
    )
    if identity.template == "stock":
        choices = "".join(f'<option value="{i}">{g}</option>' for i, g in enumerate(genders))
        return (
            '<form class="otc-form" method="post" action="/otc/join"><div class="otc-row">'
            f'<input class="otc-input" name="{pseudo}" placeholder="{labels[0]}" required>'
            f'<input class="otc-input" type="number" name="{age}" min="18" placeholder="{labels[1]}">'
            f'</div><div class="otc-row"><select class="otc-input" name="{genre}">{choices}</select>'
            f'<input class="otc-input" name="{place}" placeholder="{labels[3]}"></div>'
            f'<button class="otc-btn">{_e(identity.button)}</button></form>'
        )
    options = "".join(f"<option>{n}</option>" for n in range(18, 100, 9))
    radios = "".join(
        f'<label><input type="radio" name="{genre}" value="{i}"> {g}</label>'
        for i, g in enumerate(genders)
    )
    return (
        f'<form id="login" class="login-box" method="post" action="/chat/login">'
        f'<label for="{pseudo}">{labels[0]}</label>'
        f'<input type="text" id="{pseudo}" name="{pseudo}" maxlength="16" required>'
        f'<label for="{age}">{labels[1]}</label><select id="{age}" name="{age}">{options}</select>'
        f'<div class="genre">{labels[2]} {radios}</div>'
        f'<label for="{place}">{labels[3]}</label><input type="text" id="{place}" name="{place}">'
        f'<input type="hidden" name="csrf" value="">'
        f'<button type="submit" class="btn-enter">{_e(identity.button)}</button></form>'
    )


def _block(identity: ChatIdentity, block: str) -> str:
    fr = identity.lang == "fr"
    if block == "login":
        return f'<section class="bloc bloc-login">{_login(identity)}</section>'
    if block == "rooms":
        items = "".join(
            f'<li><a href="/salons#{_e(r.lower())}">{_e(r)}</a> <span class="count">0</span></li>'
            for r in identity.rooms
        )
        heading = "Salons" if fr else "Rooms"
        return f'<section class="bloc bloc-rooms"><h2>{heading}</h2><ul class="rooms">{items}</ul></section>'
    if block == "online":
        text = "connectés en ce moment" if fr else "people online now"
        return f'<section class="bloc bloc-online"><p><b id="nb-online">0</b> {text}</p></section>'
    if block == "about":
        return f'<section class="bloc bloc-about"><p>{_e(identity.intro)}</p></section>'
    rules = (
        "Respect de tous. Pas de données personnelles. Les modérateurs veillent."
        if fr
        else "Be kind. No personal data. Moderators are watching."
    )
    return f'<section class="bloc bloc-rules"><p>{rules}</p></section>'


def _contacts(identity: ChatIdentity) -> str:
    parts = []
    if identity.email:
        parts.append(f'<a href="mailto:{identity.email}">{identity.email}</a>')
    if identity.telegram:
        handle = identity.telegram.lstrip("@")
        parts.append(f'<a href="https://t.me/{handle}">Telegram {identity.telegram}</a>')
    if identity.wallet:
        word = "Soutenir le site (BTC)" if identity.lang == "fr" else "Support us (BTC)"
        parts.append(f'<span class="don">{word} : <code>{identity.wallet}</code></span>')
    return " · ".join(parts)


def _head(identity: ChatIdentity, styles: list[str], generator: bool) -> str:
    meta = '<meta name="generator" content="OpenTchat 2.3.1">' if generator else ""
    links = "".join(f'<link rel="stylesheet" href="{s}">' for s in styles)
    return (
        f'<!DOCTYPE html><html lang="{identity.lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(identity.title)}</title>"
        f'<meta name="description" content="{_e(identity.tagline)}">{meta}'
        f'<link rel="icon" href="{identity.favicon_path}" type="image/x-icon">{links}'
        f"{_analytics(identity)}</head>"
    )


def _classic(identity: ChatIdentity) -> tuple[Page, ...]:
    app = f"/js/app.{identity.build}.js"
    scripts = ["/js/jquery-3.6.0.min.js"]
    if identity.vendor:
        scripts.append("/vendor/opentchat/opentchat.min.js")
    scripts.append(app)
    notice = ""
    if identity.announce:
        text = "Nouvelle adresse" if identity.lang == "fr" else "New address"
        notice = f'<div class="notice">{text} : <a href="https://{identity.announce}/">{identity.announce}</a></div>'
    body = "".join(_block(identity, b) for b in identity.order)
    tags = "".join(f'<script src="{s}"></script>' for s in scripts)
    home = (
        _head(identity, ["/css/style.css"], identity.vendor)
        + f'<body class="home"><header class="top"><a class="logo" href="/">{_e(identity.brand)}</a>'
        f'<nav><a href="/">Accueil</a> <a href="/salons">Salons</a> <a href="/aide">Aide</a></nav>'
        f"</header>{notice}<main><h1>{_e(identity.tagline)}</h1>{body}</main>"
        f"<footer><p>{_contacts(identity)}</p><p>&copy; {_e(identity.brand)}</p></footer>{tags}"
        "</body></html>"
    )
    pages = [
        Page("/", home.encode()),
        Page("/js/jquery-3.6.0.min.js", assets.jquery(), content_type=JS),
        Page(app, operator_script(identity), content_type=JS),
        Page("/css/style.css", classic_css(), content_type=CSS),
        _subpage(identity, "/salons", _block(identity, "rooms")),
        _subpage(identity, "/aide", _block(identity, "rules") + _block(identity, "about")),
    ]
    if identity.vendor:
        pages.append(
            Page("/vendor/opentchat/opentchat.min.js", assets.opentchat_js(), content_type=JS)
        )
    return (*pages, _socket(identity))


def _subpage(identity: ChatIdentity, path: str, inner: str) -> Page:
    body = (
        _head(identity, ["/css/style.css"], identity.vendor)
        + f'<body><header class="top"><a class="logo" href="/">{_e(identity.brand)}</a></header>'
        f"<main>{inner}</main></body></html>"
    )
    return Page(path, body.encode())


def _socket(identity: ChatIdentity) -> Page:
    return Page(
        identity.endpoint,
        b"WebSocket upgrade expected",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def _stock(identity: ChatIdentity) -> tuple[Page, ...]:
    rooms = "".join(f'<li class="otc-room">{_e(r)}</li>' for r in identity.rooms)
    home = (
        _head(identity, ["/assets/opentchat.css"], True)
        + f'<body class="otc"><div class="otc-container"><div class="otc-header">'
        f'<h1 class="otc-title">{_e(identity.brand)}</h1><p class="otc-tagline">{_e(identity.tagline)}</p>'
        f'</div><div class="otc-main"><div class="otc-login">{_login(identity)}</div>'
        f'<ul class="otc-rooms">{rooms}</ul><p class="otc-intro">{_e(identity.intro)}</p></div>'
        f'<div class="otc-footer">{_contacts(identity)} · Propulsé par OpenTchat</div></div>'
        f'<script>var OTC_ENDPOINT="{identity.endpoint}";</script>'
        '<script src="/assets/jquery.min.js"></script>'
        '<script src="/assets/opentchat.min.js"></script></body></html>'
    )
    return (
        Page("/", home.encode()),
        Page("/assets/opentchat.min.js", assets.opentchat_js(), content_type=JS),
        Page("/assets/opentchat.css", assets.opentchat_css(), content_type=CSS),
        Page("/assets/jquery.min.js", assets.jquery(), content_type=JS),
        _socket(identity),
    )


def _rebuilt(identity: ChatIdentity, rng: random.Random) -> tuple[Page, ...]:
    bundle = f"/assets/index-{identity.build}.js"
    sheet = f"/assets/index-{rng.getrandbits(32):08x}.css"
    strings = ",".join(
        repr(s) for s in (identity.title, identity.tagline, identity.intro, identity.button)
    )
    code = operator_script(identity) + f"\nconst STR=[{strings}];\n".encode()
    noscript = (
        "Activez JavaScript pour utiliser le tchat."
        if identity.lang == "fr"
        else "Enable JavaScript to use the chat."
    )
    home = (
        f'<!doctype html><html lang="{identity.lang}"><head><meta charset="UTF-8">'
        f'<link rel="icon" type="image/x-icon" href="{identity.favicon_path}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{_e(identity.title)}</title>{_analytics(identity)}"
        f'<script type="module" crossorigin src="{bundle}"></script>'
        f'<link rel="stylesheet" crossorigin href="{sheet}"></head>'
        f'<body><div id="root"></div><noscript>{noscript}</noscript></body></html>'
    )
    pages = [
        Page("/", home.encode()),
        Page(bundle, code, content_type=JS),
        Page(sheet, assets.pseudo_css("", rng.getrandbits(32), 3_000), content_type=CSS),
        _socket(identity),
    ]
    if identity.favicon_path != "/favicon.ico":
        pages.append(Page(identity.favicon_path, identity.favicon, content_type="image/x-icon"))
    return tuple(pages)


_SPA_APP = """(function () {
  "use strict";
  var root = document.getElementById("app");
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function draw(site) {
    document.title = site.title;
    var bar = el("header", "app-bar");
    bar.appendChild(el("span", "app-brand", site.brand));
    var main = el("main", "app-main");
    main.appendChild(el("h1", "app-tagline", site.tagline));
    var form = el("form", "app-join");
    form.method = "post";
    form.action = "/api/v1/join";
    site.fields.forEach(function (name, i) {
      var label = el("label", "app-label", site.labels[i]);
      var input = el("input", "app-input");
      input.name = name;
      label.appendChild(input);
      form.appendChild(label);
    });
    form.appendChild(el("button", "app-go", site.button));
    main.appendChild(form);
    var rooms = el("section", "app-rooms");
    rooms.appendChild(el("h2", "", site.rooms_title));
    var list = el("ul", "app-room-list");
    site.rooms.forEach(function (room) { list.appendChild(el("li", "app-room", room)); });
    rooms.appendChild(list);
    main.appendChild(rooms);
    main.appendChild(el("p", "app-online", "0 " + site.online));
    main.appendChild(el("p", "app-intro", site.intro));
    main.appendChild(el("p", "app-rules", site.rules));
    var foot = el("footer", "app-foot");
    site.contacts.forEach(function (c) {
      var a = el("a", "app-contact", c.text);
      a.href = c.href;
      foot.appendChild(a);
    });
    if (site.wallet) foot.appendChild(el("code", "app-wallet", site.wallet));
    root.replaceChildren(bar, main, foot);
    if (site.analytics) {
      var tag = document.createElement("script");
      tag.async = true;
      tag.src = "https://www.googletagmanager.com/gtag/js?id=" + site.analytics;
      document.head.appendChild(tag);
    }
    try {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      new WebSocket(proto + location.host + "%(endpoint)s");
    } catch (e) {}
  }
  fetch("/api/v1/site", {headers: {"Accept": "application/json"}})
    .then(function (r) { return r.json(); })
    .then(draw)
    .catch(function () { root.textContent = "…"; });
})();
/* build %(build)s */
"""


def _spa_site(identity: ChatIdentity) -> bytes:
    """The JSON the single-page app draws itself from: every word and identifier."""
    fr = identity.lang == "fr"
    contacts = []
    if identity.email:
        contacts.append({"href": f"mailto:{identity.email}", "text": identity.email})
    if identity.telegram:
        handle = identity.telegram.lstrip("@")
        contacts.append({"href": f"https://t.me/{handle}", "text": f"Telegram {identity.telegram}"})
    labels = (
        ["Pseudo", "Âge", "Je suis", "Code postal"]
        if fr
        else ["Nickname", "Age", "I am", "Postcode"]
    )
    return json.dumps(
        {
            "brand": identity.brand,
            "title": identity.title,
            "tagline": identity.tagline,
            "intro": identity.intro,
            "button": identity.button,
            "fields": list(identity.fields),
            "labels": labels,
            "rooms_title": "Salons" if fr else "Rooms",
            "rooms": list(identity.rooms),
            "online": "connectés en ce moment" if fr else "people online now",
            "rules": "Respect de tous. Pas de données personnelles. Les modérateurs veillent."
            if fr
            else "Be kind. No personal data. Moderators are watching.",
            "contacts": contacts,
            "wallet": identity.wallet,
            "analytics": identity.analytics if identity.analytics.startswith(("UA-", "G-")) else "",
        },
        ensure_ascii=False,
    ).encode()


def _spa(identity: ChatIdentity, rng: random.Random) -> tuple[Page, ...]:
    bundle = f"/assets/app-{identity.build}.js"
    sheet = f"/assets/app-{rng.getrandbits(32):08x}.css"
    code = _SPA_APP % {"endpoint": identity.endpoint, "build": identity.build}
    home = (
        f'<!doctype html><html lang="{identity.lang}"><head><meta charset="UTF-8">'
        f'<link rel="icon" type="image/x-icon" href="{identity.favicon_path}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>{_e(identity.brand)}</title>"
        f'<script type="module" crossorigin src="{bundle}"></script>'
        f'<link rel="stylesheet" crossorigin href="{sheet}"></head>'
        '<body><div id="app"></div></body></html>'
    )
    return (
        Page("/", home.encode()),
        Page(bundle, code.encode(), content_type=JS),
        Page(sheet, assets.pseudo_css("", rng.getrandbits(32), 3_000), content_type=CSS),
        Page("/api/v1/site", _spa_site(identity), content_type=JSON),
        _socket(identity),
    )


def render(identity: ChatIdentity, rng: random.Random) -> tuple[Page, ...]:
    """Every page of a chat site with this identity (the favicon is served separately)."""
    if identity.template == "spa":
        return _spa(identity, rng)
    if identity.template == "stock":
        return _stock(identity)
    if identity.template == "rebuilt":
        return _rebuilt(identity, rng)
    return _classic(identity)
