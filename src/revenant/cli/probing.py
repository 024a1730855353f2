"""The one set of probe options (`--resolver`, `--allow`, `--ca-file`, ports, `--proxy`,
`--user-agent`, `--inflight`, `--render`) shared by every command that probes.

`@probe_options` adds them to a command and hands it a checked `ProbeConfig` as its
`probe` argument, so `capture`, `score` and `watch` can never drift apart: a new probe
option is added here once.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from revenant.probe.options import default_probe_config

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS: dict[str, tuple[Any, Any]] = {
    "resolver": (
        str | None,
        typer.Option(None, "--resolver", help="DNS resolver IP:PORT (default: system)."),
    ),
    "allow": (
        list[str],
        typer.Option(
            [], "--allow", help="CIDR the prober may reach although reserved (tests, demo only)."
        ),
    ),
    "ca_file": (
        str | None,
        typer.Option(None, "--ca-file", help="Extra trusted CA (PEM), e.g. the testnet's."),
    ),
    "http_port": (
        int,
        typer.Option(80, "--http-port", help="Port for bare hostnames over HTTP (testnet)."),
    ),
    "https_port": (
        int,
        typer.Option(443, "--https-port", help="Port for bare hostnames over HTTPS (testnet)."),
    ),
    "proxy": (
        str | None,
        typer.Option(
            None,
            "--proxy",
            help="Send every request through this proxy: socks5://HOST:PORT (Tor for "
            ".onion) or http://HOST:PORT.",
        ),
    ),
    "user_agent": (
        str | None,
        typer.Option(None, "--user-agent", help="User-Agent header of every request."),
    ),
    "inflight": (
        int,
        typer.Option(500, "--inflight", help="Captures in flight at once (watch)."),
    ),
}


_RENDER_FLAG = (
    bool,
    typer.Option(
        False,
        "--render",
        help="Also render the page in Chromium; every request the browser makes goes "
        "through the prober.",
    ),
)
_RENDER_MODE = (
    str,
    typer.Option(
        "never",
        "--render",
        help="Render in Chromium too: auto (pages with little visible text or an app "
        "shell), always or never; every request the browser makes goes through the prober.",
    ),
)


def probe_options(command: F) -> F:
    """Give a one-target command (`capture`, `score`) the probe options, `--render` as a
    flag; it receives them as `probe: ProbeConfig`."""
    return _with_options(command, {**_OPTIONS, "render": _RENDER_FLAG})


def watch_probe_options(command: F) -> F:
    """The same options for the watch, `--render` as a mode (auto, always, never)."""
    return _with_options(command, {**_OPTIONS, "render": _RENDER_MODE})


_LOOKUP = ("resolver", "allow", "ca_file", "proxy", "user_agent")


def lookup_probe_options(command: F) -> F:
    """The options that say how a lookup reaches a server (RDAP from the dashboard):
    resolver, reachable ranges, CA, proxy, User-Agent; no rendering, no bare hostnames."""
    return _with_options(command, {name: _OPTIONS[name] for name in _LOOKUP})


def _with_options(command: F, options: dict[str, tuple[Any, Any]]) -> F:
    signature = inspect.signature(command, eval_str=True)
    if "probe" not in signature.parameters:
        raise TypeError(f"{command.__name__} needs a `probe: ProbeConfig` parameter")
    own = [p for name, p in signature.parameters.items() if name != "probe"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=kind)
        for name, (kind, option) in options.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in options}
        render = given.pop("render", "never")
        if isinstance(render, bool):
            render = "always" if render else "never"
        kwargs["probe"] = default_probe_config(**given, render=render)
        return command(*args, **kwargs)

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *added]
    )
    hints = {p.name: p.annotation for p in own} | {n: k for n, (k, _) in options.items()}
    wrapper.__annotations__ = hints | {"return": signature.return_annotation}
    del wrapper.__wrapped__  # type: ignore[attr-defined]  # Typer must read the new signature
    return wrapper  # type: ignore[return-value]
