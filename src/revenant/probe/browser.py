"""The headless Chromium a rendered capture drives, started so that it cannot reach the
network by itself. Every Playwright detail of launching lives here (playwright 1.65.2,
pinned; Debian's Chromium headless shell, never a browser Playwright downloads).

It must never start a browser that could connect anywhere on its own: requests are
intercepted by the renderer (probe/render.py), and underneath that Chromium's proxy is
a loopback port Revenant holds bound and never listens on, Playwright keeps loopback
behind that proxy too, Chromium's own name resolution answers nothing, WebRTC may not
use UDP outside the proxy and its objects are removed from every page, and background
networking (updates, sync, safe browsing, metrics) is off. A profile never outlives
its capture: each capture gets a fresh browser context (an off-the-record Chromium
profile) with service workers blocked, downloads refused and no permission granted.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from revenant.errors import FetchFailed

CHROMIUM = "/usr/bin/chromium-headless-shell"
"""Debian's Chromium headless shell (package chromium-headless-shell, `scripts/system-deps.sh`):
the same Blink and V8 as the desktop Chromium of the same version, built from the same
source, without the desktop browser around them. Each capture's fresh profile is what
costs in the desktop build (a new off-the-record profile starts the browser's per-profile
services, spare renderers are started and thrown away): with the same pages the headless
shell renders 3-4 times as many fresh profiles per minute (docs/evidence.md, "Rendering
performance"). It is also what Playwright itself runs for headless Chromium. The
environment's REVENANT_CHROMIUM, read at launch, names another build (the desktop
`/usr/bin/chromium` works the same, slower)."""

FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI; the page is still confined by the interception below
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-breakpad",
    "--no-pings",
    "--dns-prefetch-disable",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    # Chromium's own resolver answers nothing: intercepted requests never need it, and
    # anything that escaped interception could not even name a host.
    "--host-resolver-rules=MAP * ~NOTFOUND",
)

VIEWPORT = {"width": 1280, "height": 800}

# Removed from every page and frame before its own scripts run: peer-to-peer
# connections and device APIs the renderer never needs (the flags above stop WebRTC's
# UDP too; this keeps pages from even trying).
_INIT_SCRIPT = """
(() => {
  for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel",
                      "RTCSessionDescription", "RTCIceCandidate"]) {
    try { delete window[name]; } catch (e) {}
    try { Object.defineProperty(window, name, {value: undefined, configurable: false}); } catch (e) {}
  }
  try {
    Object.defineProperty(navigator, "geolocation", {value: undefined, configurable: false});
  } catch (e) {}
  try {
    Object.defineProperty(navigator, "sendBeacon", {value: undefined, configurable: false});
  } catch (e) {}
  // A script asking for thousands of requests at once floods the browser's own
  // machinery before the renderer can refuse them one by one: past this budget per
  // document, fetch and XMLHttpRequest fail inside the page (the renderer's request
  // bound still applies to everything, whatever a page does to get around this).
  let budget = %d;
  const spend = () => { budget -= 1; return budget >= 0; };
  const fetch0 = window.fetch;
  if (fetch0) {
    const fetch1 = function (...args) {
      return spend() ? fetch0.apply(this, args)
                     : Promise.reject(new TypeError("request budget spent"));
    };
    try { Object.defineProperty(window, "fetch", {value: fetch1, configurable: false}); } catch (e) {}
  }
  const XHR = window.XMLHttpRequest;
  if (XHR) {
    const send0 = XHR.prototype.send;
    const send1 = function (...args) {
      if (!spend()) throw new DOMException("request budget spent", "NetworkError");
      return send0.apply(this, args);
    };
    try { Object.defineProperty(XHR.prototype, "send", {value: send1, configurable: false}); } catch (e) {}
  }
})();
"""


@dataclass(frozen=True)
class BrowserInfo:
    """What rendered: the product and version Chromium reports."""

    product: str


class ClosedPort:
    """A loopback TCP port held bound and never listened on: a connection to it is
    refused at once, and no other process can take it while it is held."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


class Browser:
    """One headless Chromium for many renders: `async with Browser() as b:
    context = await b.context(user_agent)`; each context is a fresh profile."""

    def __init__(self, executable: str | None = None) -> None:
        self.executable = executable or os.environ.get("REVENANT_CHROMIUM", CHROMIUM)
        self._playwright: Any = None
        self._manager: Any = None
        self._browser: Any = None
        self._closed_port: ClosedPort | None = None
        self.info = BrowserInfo("")

    async def __aenter__(self) -> Browser:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._browser is not None and bool(self._browser.is_connected())

    async def start(self) -> None:
        """Launch Chromium; FetchFailed naming the executable if it cannot start."""
        from playwright.async_api import Error, async_playwright

        if not os.access(self.executable, os.X_OK):
            raise FetchFailed(
                f"rendering needs Chromium at {self.executable} (Debian package chromium-headless-shell; "
                "`make system-deps` installs it)"
            )
        self._closed_port = ClosedPort()
        self._manager = async_playwright()
        self._playwright = await self._manager.__aenter__()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=self.executable,
                headless=True,
                args=list(FLAGS),
                # Playwright also keeps loopback behind this proxy (<-loopback>).
                proxy={"server": f"http://127.0.0.1:{self._closed_port.port}"},
                chromium_sandbox=False,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
                timeout=30_000,
            )
        except Error as exc:
            await self.close()
            raise FetchFailed(f"Chromium at {self.executable} did not start: {exc}") from None
        self.info = BrowserInfo(await self._product())

    async def _product(self) -> str:
        """What the evidence names as the renderer: "Chromium 156.0.8078.114", or
        "Chromium 156.0.8078.114 headless shell" for the headless shell (which reports
        its product as HeadlessChrome/<version>)."""
        version = self._browser.version
        session = await self._browser.new_browser_cdp_session()
        try:
            product = str((await session.send("Browser.getVersion")).get("product", ""))
        finally:
            await session.detach()
        shell = " headless shell" if product.startswith("HeadlessChrome/") else ""
        return f"Chromium {version}{shell}"

    async def context(self, user_agent: str, request_budget: int = 150) -> Any:
        """A fresh off-the-record profile for one capture; each of its documents may
        call fetch/XMLHttpRequest `request_budget` times."""
        assert self._browser is not None
        context = await self._browser.new_context(
            user_agent=user_agent,
            viewport=VIEWPORT,
            device_scale_factor=1,
            java_script_enabled=True,
            accept_downloads=False,
            service_workers="block",
            permissions=[],
            bypass_csp=False,
            ignore_https_errors=True,  # certificates are the prober's to check and record
        )
        await context.add_init_script(_INIT_SCRIPT % int(request_budget))
        return context

    async def close(self) -> None:
        browser, manager = self._browser, self._manager
        self._browser = self._manager = self._playwright = None
        try:
            if browser is not None:
                await browser.close()
        except Exception:  # an already dead browser: nothing left to close
            pass
        finally:
            if manager is not None:
                await manager.__aexit__(None, None, None)
            if self._closed_port is not None:
                self._closed_port.close()
                self._closed_port = None
