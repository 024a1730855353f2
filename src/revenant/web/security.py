"""Headers every response carries, and the checks every form post passes.

Every response gets a strict Content-Security-Policy (only this origin's scripts,
styles and images; no inline code; no framing), `X-Content-Type-Options: nosniff`,
`X-Frame-Options: DENY`, no referrer outside this origin, and `Cache-Control: no-store` (evidence pages must
not linger in caches). A route may set a stricter policy of its own; none may loosen
these. Every state-changing request must carry the session's CSRF token and, when the
browser says where it comes from, come from this origin.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
CAPTURED_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'"
"""Prepended as a <meta> policy to captured HTML shown in a sandboxed frame: its own
styles may apply, nothing may load (no images, fonts, frames, requests), nothing may
be submitted. The frame's `sandbox` attribute already forbids scripts and gives it an
opaque origin; the page's CSP (inherited by srcdoc frames) forbids inline code too."""

HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)
STATIC_CACHE = "public, max-age=86400"


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task or body copy, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS:
                    if name not in headers:
                        headers.append(name, value)
                if "cache-control" not in headers:
                    headers.append("cache-control", STATIC_CACHE if static else "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a submitted token with the expected one."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another origin (Origin, or
    Referer when Origin is absent); requests that say nothing pass (non-browser
    clients), the CSRF token still has to match."""
    here = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == here
    referer = request.headers.get("referer")
    if referer:
        return referer == here or referer.startswith(here + "/")
    return True
