"""A capture's non-body facts as JSON, for the WARC metadata record: DNS answers, the TLS
chain (DER in base64), the address connected to, timings, outcomes and refusals.

It must never drop or reformat a fact the court may need: `capture_from_json` rebuilds
exactly the `Capture` (bodies aside) that `capture_to_json` was given.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from revenant import __version__
from revenant.model import (
    Capture,
    Certificate,
    DnsRecord,
    Exchange,
    Outcome,
    Refusal,
    Rendering,
    TlsInfo,
)

FORMAT = "revenant-capture/1"


def _time(value: datetime) -> str:
    return value.isoformat()


def _cert(c: Certificate) -> dict[str, Any]:
    return {
        "subject": c.subject,
        "issuer": c.issuer,
        "sans": list(c.sans),
        "serial": c.serial,
        "not_before": _time(c.not_before),
        "not_after": _time(c.not_after),
        "spki_sha256": c.spki_sha256,
        "sha256": c.sha256,
        "der": base64.b64encode(c.der).decode("ascii"),
    }


def _tls(t: TlsInfo) -> dict[str, Any]:
    return {
        "version": t.version,
        "cipher": t.cipher,
        "verified": t.verified,
        "verify_error": t.verify_error,
        "chain": [_cert(c) for c in t.chain],
    }


def exchange_to_json(
    e: Exchange, request_id: str | None, response_id: str | None
) -> dict[str, Any]:
    return {
        "role": e.role,
        "url": e.url,
        "started": _time(e.started),
        "outcome": str(e.outcome),
        "reason": e.reason,
        "peer": e.peer,
        "elapsed": e.elapsed,
        "status": e.status,
        "http_version": e.http_version,
        "status_text": e.status_text,
        "request_headers": [list(h) for h in e.request_headers],
        "headers": [list(h) for h in e.headers],
        "payload_length": 0 if e.outcome is Outcome.REFUSED else len(e.payload),
        "truncated": e.truncated,
        "request_record": request_id,
        "response_record": response_id,
    }


def _rendering(r: Rendering, dom_record: str | None, shot_record: str | None) -> dict[str, Any]:
    return {
        "url": r.url,
        "started": _time(r.started),
        "finished": _time(r.finished),
        "outcome": str(r.outcome),
        "reason": r.reason,
        "browser": r.browser,
        "requests": r.requests,
        "refused": [{"url": f.url, "kind": f.kind, "reason": f.reason} for f in r.refused],
        "refused_more": r.refused_more,
        "dom_record": dom_record,
        "dom_length": len(r.dom),
        "dom_truncated": r.dom_truncated,
        "screenshot_record": shot_record,
        "screenshot_length": len(r.screenshot),
    }


def rendering_from_json(d: dict[str, Any], dom: bytes, screenshot: bytes) -> Rendering:
    """The `Rendering` a metadata document's "render" part describes, with its bodies."""
    return Rendering(
        url=d["url"],
        started=datetime.fromisoformat(d["started"]),
        finished=datetime.fromisoformat(d["finished"]),
        outcome=Outcome(d["outcome"]),
        reason=d.get("reason", ""),
        dom=dom,
        dom_truncated=bool(d.get("dom_truncated", False)),
        screenshot=screenshot,
        refused=tuple(
            Refusal(str(f["url"]), str(f["kind"]), str(f["reason"])) for f in d.get("refused", ())
        ),
        refused_more=int(d.get("refused_more", 0)),
        requests=int(d.get("requests", 0)),
        browser=str(d.get("browser", "")),
    )


def capture_to_json(
    capture: Capture,
    records: list[tuple[str | None, str | None]],
    *,
    decompressed_limit: int,
    rendered: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """The metadata document; `records[i]` = (request, response) record ids of exchange i,
    `rendered` the record ids of the rendered DOM and the screenshot."""
    doc = {
        "format": FORMAT,
        "revenant": __version__,
        "target": capture.target,
        "host": capture.host,
        "started": _time(capture.started),
        "finished": _time(capture.finished),
        "outcome": str(capture.outcome),
        "reason": capture.reason,
        "peer": capture.peer,
        "decompressed_limit": decompressed_limit,
        "dns": [
            {"name": r.name, "rtype": r.rtype, "value": r.value, "ttl": r.ttl} for r in capture.dns
        ],
        "tls": _tls(capture.tls) if capture.tls else None,
        "exchanges": [
            exchange_to_json(e, req, resp)
            for e, (req, resp) in zip(capture.exchanges, records, strict=True)
        ],
    }
    if capture.rendering is not None:
        doc["render"] = _rendering(capture.rendering, *rendered)
    return doc


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in value)


def _cert_from(d: dict[str, Any]) -> Certificate:
    return Certificate(
        subject=d["subject"],
        issuer=d["issuer"],
        sans=tuple(d["sans"]),
        serial=d["serial"],
        not_before=datetime.fromisoformat(d["not_before"]),
        not_after=datetime.fromisoformat(d["not_after"]),
        spki_sha256=d["spki_sha256"],
        sha256=d["sha256"],
        der=base64.b64decode(d["der"]),
    )


def exchange_from_json(d: dict[str, Any], payload: bytes, content: bytes) -> Exchange:
    return Exchange(
        role=d["role"],
        url=d["url"],
        started=datetime.fromisoformat(d["started"]),
        outcome=Outcome(d["outcome"]),
        reason=d.get("reason", ""),
        peer=d.get("peer"),
        elapsed=float(d.get("elapsed", 0.0)),
        request_headers=_headers(d.get("request_headers", ())),
        status=d.get("status"),
        http_version=d.get("http_version", "HTTP/1.1"),
        status_text=d.get("status_text", ""),
        headers=_headers(d.get("headers", ())),
        payload=payload,
        content=content,
        truncated=bool(d.get("truncated", False)),
    )


def capture_from_json(
    d: dict[str, Any],
    exchanges: tuple[Exchange, ...],
    warc_file: str,
    rendering: Rendering | None = None,
) -> Capture:
    """The capture described by a metadata document, with its rebuilt exchanges."""
    tls = d.get("tls")
    return Capture(
        target=d["target"],
        host=d["host"],
        started=datetime.fromisoformat(d["started"]),
        finished=datetime.fromisoformat(d["finished"]),
        outcome=Outcome(d["outcome"]),
        reason=d.get("reason", ""),
        dns=tuple(
            DnsRecord(r["name"], r["rtype"], r["value"], int(r.get("ttl", 0))) for r in d["dns"]
        ),
        tls=(
            TlsInfo(
                version=tls["version"],
                cipher=tls["cipher"],
                verified=bool(tls["verified"]),
                verify_error=tls.get("verify_error", ""),
                chain=tuple(_cert_from(c) for c in tls["chain"]),
            )
            if tls
            else None
        ),
        exchanges=exchanges,
        warc_file=warc_file,
        rendering=rendering,
    )
