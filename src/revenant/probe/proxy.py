"""SOCKS connections that go to the address the policy checked.

aiohttp-socks gives the proxy the name (its connector has no resolver), so the proxy
resolves it again and may connect to an address the policy never saw: a rebinding
name answering the prober's resolver with an allowed address and the proxy's with a
refused one, or a proxy on the investigator's network reaching into it. Here a
clear-web name is resolved by the prober's `PolicyResolver` (the answers recorded as
evidence and checked by the policy) and the proxy is given the checked address; TLS
still verifies the name (SNI), after the tunnel is up. A `.onion` name goes to the
proxy as a name: only Tor can reach it, and it never reaches DNS (RFC 7686).
"""

from __future__ import annotations

import socket
import ssl
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp_socks import ProxyConnector

from revenant.probe.dns import PolicyResolver


class _CheckedResolver(AbstractResolver):
    """Clear-web names through the policy; onion names passed on as they are."""

    def __init__(self, policy: PolicyResolver) -> None:
        self._policy = policy

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[ResolveResult]:
        if host.endswith(".onion"):
            return [
                ResolveResult(
                    hostname=host, host=host, port=port, family=socket.AF_INET, proto=0, flags=0
                )
            ]
        return await self._policy.resolve(host, port, family)

    async def close(self) -> None:
        return None  # the policy resolver is the prober's to close


class CheckedSocksConnector(ProxyConnector):
    """`ProxyConnector` whose proxy is asked for the policy-checked address, with TLS
    to the name started once the tunnel is up (so certificate errors are aiohttp's
    usual ones, and the prober retries them recording-only as without a proxy)."""

    def __init__(self, *args: Any, policy: PolicyResolver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._resolver = _CheckedResolver(policy)

    async def _wrap_create_connection(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> tuple[Any, Any]:
        context: ssl.SSLContext | None = kwargs.pop("ssl", None)
        req = kwargs["req"]
        name = (kwargs.get("server_hostname") or req.host or "").rstrip(".")
        transport, protocol = await super()._wrap_create_connection(*args, ssl=None, **kwargs)
        if context is None:
            return transport, protocol
        try:
            tls = await self._loop.start_tls(
                transport,
                protocol,
                context,
                server_hostname=name,
                ssl_handshake_timeout=kwargs["timeout"].sock_connect,
            )
        except ssl.SSLCertVerificationError as exc:
            transport.close()
            raise aiohttp.ClientConnectorCertificateError(req.connection_key, exc) from exc
        except (ssl.SSLError, OSError) as exc:
            transport.close()
            raise aiohttp.ClientConnectorSSLError(req.connection_key, exc) from exc
        except BaseException:
            transport.close()
            raise
        if tls is None:
            transport.close()
            raise aiohttp.ClientConnectorSSLError(
                req.connection_key, OSError(f"{name}: TLS not started through the proxy")
            )
        protocol.connection_made(tls)
        return tls, protocol
