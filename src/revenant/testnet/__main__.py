"""Serve a generated scenario (and the hostile corpus) until interrupted, for poking at
by hand: `python -m revenant.testnet --seed 7`, then e.g.

    dig @127.0.0.1 -p PORT brand.fr
    curl --cacert CA --resolve brand.fr:HTTPS_PORT:ADDRESS https://brand.fr:HTTPS_PORT/
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from revenant.testnet.hostile import hostile_sites
from revenant.testnet.net import Testnet
from revenant.testnet.scenario import generate


def main(argv: list[str] | None = None) -> None:
    """Start the testnet, print how to reach it, block until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m revenant.testnet", description=__doc__)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--background", type=int, default=200)
    parser.add_argument("--no-hostile", action="store_true", help="leave the hostile corpus out")
    parser.add_argument(
        "--spa", type=int, default=0, help="re-emergences rebuilt as single-page apps (appended)"
    )
    args = parser.parse_args(argv)
    scenario = generate(args.seed, background=args.background, spa=args.spa)
    sites = scenario.sites if args.no_hostile else scenario.sites + hostile_sites()
    with Testnet(sites, seed=args.seed) as net:
        print(f"resolver  {net.resolver}")
        print(f"ports     http {net.http_port}  https {net.https_port}")
        print(f"allow     {net.allow}")
        print(f"ca        {net.ca_pem}")
        for site in sites:
            if site.label != "background":
                label = "spa" if site.name in scenario.spa else site.label
                print(f"{label:<13} {net.address_of(site.name):<16} {net.url(site.name)}")
        print(f"... and {len(scenario.hosts('background'))} background sites. Ctrl-C to stop.")
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())  # clean stop on kill too
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()


if __name__ == "__main__":
    main()
