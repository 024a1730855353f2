"""The hostile corpus: one site per `Hostile` behaviour (and one per bad certificate),
named <behaviour>.hostile.test, for testing that a prober stays safe and bounded; and
one site per browser case, <case>.browser.hostile.test, whose scripts try what a
rendering browser must never do (reach a private or loopback address, follow a
rebinding name, fetch images or video, open WebSockets, download, loop, flood, pop
up windows, ask for devices)."""

from __future__ import annotations

from revenant.testnet.behaviours import PNG_1X1
from revenant.testnet.sites import CertSpec, Hostile, Page, Record, SiteSpec

DOMAIN = "hostile.test"

_HOME = Page("/", b"<!DOCTYPE html><html><head><title>ok</title></head><body>ok</body></html>")

_PARAMS = {Hostile.REDIRECT_TO: "http://127.0.0.1:9/"}

_CERTS = {
    "expired-cert": CertSpec(expired=True),
    "self-signed-cert": CertSpec(self_signed=True),
    "wrong-name-cert": CertSpec(wrong_name=True),
}


def hostile_name(kind: Hostile | str) -> str:
    """The name of the corpus site for a behaviour (or a bad-certificate variant)."""
    return f"{kind}.{DOMAIN}"


def hostile_sites(redirect_target: str = "") -> tuple[SiteSpec, ...]:
    """One site per behaviour plus expired, self-signed and wrong-name certificates.

    REDIRECT_TO points at `redirect_target` (default a loopback address outside any
    testnet block, which a prober's address policy must refuse)."""
    sites = []
    for kind in Hostile:
        param = redirect_target or _PARAMS.get(kind, "") if kind is Hostile.REDIRECT_TO else ""
        sites.append(
            SiteSpec(
                names=(hostile_name(kind),),
                pages=(_HOME,),
                hostile=kind,
                hostile_param=param,
                label="hostile",
                operator="hostile",
                headers=(("Server", "nginx"),),
            )
        )
    for variant, cert in _CERTS.items():
        sites.append(
            SiteSpec(
                names=(hostile_name(variant),),
                pages=(_HOME,),
                cert=cert,
                hostile=Hostile.BAD_CERT,
                label="hostile",
                operator="hostile",
                headers=(("Server", "nginx"),),
            )
        )
    return tuple(sites)


BROWSER_DOMAIN = "browser.hostile.test"
BROWSER_CASES = (
    "private-address",
    "loopback",
    "rebinding",
    "image",
    "video",
    "websocket",
    "download",
    "timeout-loop",
    "subrequests",
    "popup",
    "busy-loop",
    "isolation",
)
"""Pages whose scripts try what a rendering browser must never do (browser_sites)."""

REFUSED_PRIVATE = ("10.0.0.1", "192.168.0.1", "172.16.0.1")
"""Data for the address policy, never a target: one address in each RFC 1918 range,
which a hostile page's scripts ask for and the prober must refuse before any
connection (tests/probe/test_render.py: each refused, with no peer, and named)."""
SUBREQUESTS = 10_000


def browser_name(case: str) -> str:
    """The name of the corpus site for a browser case."""
    return f"{case}.{BROWSER_DOMAIN}"


def _page_with(script: str, markup: str = "") -> Page:
    body = (
        "<!DOCTYPE html><html><head><title>browser case</title></head><body>"
        f"<h1>Browser case</h1><p>Some visible words so the page renders.</p>{markup}"
        f"<script>{script}</script></body></html>"
    )
    return Page("/", body.encode())


def _browser_pages(case: str, forbidden: str) -> tuple[Page, ...]:
    """Pages of one browser case; `forbidden` is "HOST:PORT" of a loopback listener
    outside every allowed range, which must never see a connection."""
    rebind = f"rebind.{BROWSER_DOMAIN}:{forbidden.rsplit(':', 1)[1]}"
    png = Page("/pic.png", PNG_1X1, content_type="image/png")
    scripts = {
        "private-address": (
            f'fetch("http://{REFUSED_PRIVATE[0]}/private").catch(()=>{{}});'
            f'fetch("http://{REFUSED_PRIVATE[1]}/private").catch(()=>{{}});'
            f'var x=new XMLHttpRequest();x.open("GET","http://{REFUSED_PRIVATE[2]}/private");x.send();'
        ),
        "loopback": (
            f'fetch("http://{forbidden}/loopback").catch(()=>{{}});'
            f'var s=document.createElement("script");s.src="http://{forbidden}/loop.js";'
            "document.body.appendChild(s);"
        ),
        "rebinding": (
            f'fetch("https://{rebind}/rebind").catch(()=>{{}});'
            f'fetch("http://{rebind}/rebind").catch(()=>{{}});'
        ),
        "image": (
            'new Image().src="/pic.png?js";document.body.style.backgroundImage="url(/pic.png?css)";'
        ),
        "video": "",
        "websocket": (
            'try{new WebSocket("wss://"+location.host+"/ws")}catch(e){}'
            f'try{{new WebSocket("ws://{forbidden}/ws")}}catch(e){{}}'
        ),
        "download": 'document.getElementById("d").click();',
        "timeout-loop": (
            "var n=0;function spin(){n++;document.title='spin '+n;setTimeout(spin,0)}spin();"
        ),
        "subrequests": (f'for(let i=0;i<{SUBREQUESTS};i++){{fetch("/sub/"+i).catch(()=>{{}})}}'),
        "popup": (f'window.open("/popup-target");window.open("http://{forbidden}/popup");'),
        "busy-loop": "setTimeout(function(){while(true){}},50);",
        "isolation": (
            "var out=[];"
            "out.push('geo='+typeof navigator.geolocation);"
            "out.push('rtc='+typeof window.RTCPeerConnection);"
            "var p=document.createElement('p');p.id='result';"
            "var sw=navigator.serviceWorker?navigator.serviceWorker.register('/sw.js')"
            ".then(function(){return 'sw=registered'},function(){return 'sw=refused'})"
            ":Promise.resolve('sw=none');"
            "Promise.all([sw,Notification.requestPermission()]).then(function(r){"
            "out.push(r[0]);out.push('notify='+r[1]);"
            "p.textContent=out.join(' ');document.body.appendChild(p)});"
        ),
    }
    markup = {
        "image": '<img src="/pic.png"><picture><img src="/pic.png?pic"></picture>',
        "video": (
            '<video src="/clip.mp4" autoplay muted></video><audio src="/song.mp3" autoplay></audio>'
        ),
        "download": '<a id="d" href="/file.zip" download>get it</a>',
    }
    pages = [_page_with(scripts[case], markup.get(case, "")), png]
    if case == "video":
        pages.append(
            Page("/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(64), content_type="video/mp4")
        )
        pages.append(Page("/song.mp3", b"ID3" + bytes(64), content_type="audio/mpeg"))
    if case == "download":
        pages.append(Page("/file.zip", b"PK\x03\x04" + bytes(64), content_type="application/zip"))
    if case == "isolation":
        pages.append(
            Page("/sw.js", b"self.onfetch=function(){};", content_type="application/javascript")
        )
    if case == "popup":
        pages.append(Page("/popup-target", b"<p>popup</p>"))
    return tuple(pages)


def browser_sites(forbidden: str) -> tuple[SiteSpec, ...]:
    """One site per browser case, plus the rebinding name (its A record is 127.0.0.1,
    outside any testnet block). `forbidden` is "127.0.0.1:PORT" of a listener that
    counts connections: a safe renderer never makes one."""
    sites = [
        SiteSpec(
            names=(browser_name(case),),
            pages=_browser_pages(case, forbidden),
            label="hostile",
            operator="hostile",
        )
        for case in BROWSER_CASES
    ]
    sites.append(
        SiteSpec(
            names=(f"rebind.{BROWSER_DOMAIN}",),
            dns=(Record("A", forbidden.rsplit(":", 1)[0]),),
            label="hostile",
            operator="hostile",
        )
    )
    return tuple(sites)
