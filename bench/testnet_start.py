"""How long the testnet takes to start and stop with 2,000 scenario sites.

Sites come from `revenant.testnet.scenario.generate` (the seized platform, its
re-emergences, decoys and enough background to reach the count); generation is not
timed, only `Testnet.start()` and `stop()`, plus one HTTPS fetch (which issues its
certificate lazily) and one DNS query to show the net is really up.

Last line: `testnet: N sites started in S s (median of R), first HTTPS fetch F ms, stopped in T s`
"""

from __future__ import annotations

import argparse
import socket
import ssl
import statistics
import time

import dns.message
import dns.query

from revenant.testnet import Testnet
from revenant.testnet.scenario import generate


def _fetch(net: Testnet, name: str) -> float:
    began = time.perf_counter()
    context = ssl.create_default_context(cafile=str(net.ca_pem))
    raw = socket.create_connection((net.address_of(name), net.https_port), timeout=5)
    with context.wrap_socket(raw, server_hostname=name) as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
        assert sock.recv(12).startswith(b"HTTP/1.1 200")
    return time.perf_counter() - began


def _resolve(net: Testnet, name: str) -> None:
    host, port = net.resolver.split(":")
    answer = dns.query.udp(dns.message.make_query(name, "A"), host, port=int(port), timeout=2)
    assert answer.answer[0][0].to_text() == net.address_of(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = generate(args.seed, background=max(0, args.sites - 31))
    sites = scenario.sites
    starts, stops, fetches = [], [], []
    for i in range(args.repeat):
        net = Testnet(sites, seed=args.seed + i)
        began = time.perf_counter()
        net.start()
        starts.append(time.perf_counter() - began)
        try:
            _resolve(net, scenario.seized.name)
            fetches.append(_fetch(net, scenario.seized.name))
        finally:
            began = time.perf_counter()
            net.stop()
            stops.append(time.perf_counter() - began)
        print(f"run {i + 1}: start {starts[-1]:.3f} s, stop {stops[-1]:.3f} s")
    print(
        f"testnet: {len(sites)} sites started in {statistics.median(starts):.2f} s "
        f"(median of {args.repeat}), first HTTPS fetch {statistics.median(fetches) * 1000:.0f} ms, "
        f"stopped in {statistics.median(stops):.2f} s"
    )


if __name__ == "__main__":
    main()
