"""A `ProbeConfig` from what a person typed (command-line options), every value checked
before anything is probed: ports, CA file, proxy URL, User-Agent, captures in flight,
rendering mode.
Bad values are `UsageError`s naming the option."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from revenant.errors import UsageError
from revenant.probe.config import RENDER_MODES, Concurrency, ProbeConfig
from revenant.probe.policy import parse_allow


def default_probe_config(
    *,
    allow: Sequence[str] = (),
    resolver: str | None = None,
    ca_file: str | None = None,
    http_port: int = 80,
    https_port: int = 443,
    proxy: str | None = None,
    user_agent: str | None = None,
    inflight: int | None = None,
    render: str = "never",
) -> ProbeConfig:
    """A probe configuration from CLI-style options."""
    for port in (http_port, https_port):
        if not 0 < port < 65536:
            raise UsageError(f"port {port}: must be 1 to 65535")
    if ca_file is not None and not Path(ca_file).is_file():
        raise UsageError(f"--ca-file {ca_file}: no such file")
    if proxy is not None:
        _check_proxy(proxy)
    if user_agent is not None and (not user_agent.strip() or not user_agent.isprintable()):
        raise UsageError(f"--user-agent {user_agent!r}: must be printable and not empty")
    if inflight is not None and not 1 <= inflight <= 10000:
        raise UsageError(f"--inflight {inflight}: must be 1 to 10000")
    if render not in RENDER_MODES:
        raise UsageError(f"--render {render}: must be one of {', '.join(RENDER_MODES)}")
    config = ProbeConfig(
        allow=parse_allow(list(allow)),
        resolver=resolver,
        ca_file=ca_file,
        http_port=http_port,
        https_port=https_port,
        proxy=proxy,
        render=render,
    )
    if user_agent is not None:
        config = replace(config, user_agent=user_agent)
    if inflight is not None:
        config = replace(config, concurrency=Concurrency(targets=inflight))
    return config


def _check_proxy(proxy: str) -> None:
    from yarl import URL

    try:
        url = URL(proxy)
        port = url.port
    except (ValueError, TypeError):
        url, port = None, None
    if url is None or url.scheme not in ("socks5", "socks4", "http") or not url.host or not port:
        raise UsageError(
            f"--proxy {proxy}: expected socks5://HOST:PORT (Tor: socks5://127.0.0.1:9050), "
            "socks4://HOST:PORT or http://HOST:PORT"
        )
