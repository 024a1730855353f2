"""A real BIND 9 primary and a real Unbound that transfers the blocking zone from it,
each on a free loopback port with all its files in the test's directory.

BIND takes RFC 2136 updates signed with the test's TSIG key and notifies Unbound at once
(`notify explicit`, `notify-delay 0`); Unbound's `rpz:` clause transfers the zone from
it (IXFR after the first AXFR) and forwards every other query to the testnet's DNS.
Both run in the foreground as children of the test and are stopped by it. As root (CI)
they keep root: the test directory is private to root, so an unprivileged `-u` user
could not read it (Unbound is told `username: ""` for the same reason).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from tests.components import missing, need_binary

ZONE = "rpz.revenant"


def free_port() -> int:
    """A loopback port free for both TCP and UDP at the time of asking."""
    for _ in range(50):
        with socket.socket() as tcp, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port")


def make_key(directory: Path, name: str = "revenant-rpz") -> Path:
    """A fresh TSIG key file, as an operator makes it (`tsig-keygen`)."""
    keygen = need_binary("tsig-keygen")
    path = directory / f"{name}.key"
    path.write_text(
        subprocess.run(
            [keygen, "-a", "hmac-sha256", name], check=True, capture_output=True, text=True
        ).stdout
    )
    return path


def ask(port: int, name: str, rtype: str = "A", timeout: float = 2.0) -> dns.message.Message:
    """One query to a loopback server (UDP)."""
    query = dns.message.make_query(name, rtype)
    return dns.query.udp(query, "127.0.0.1", port=port, timeout=timeout)


def wait_for(port: int, name: str, want: str, *, timeout: float = 15.0) -> float:
    """Ask until the answer's rcode is `want` (NXDOMAIN, NOERROR); seconds it took."""
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < timeout:
        try:
            reply = ask(port, name)
            last = dns.rcode.to_text(reply.rcode())
            if last == want and (want != "NOERROR" or reply.answer):
                return time.monotonic() - start
        except (OSError, dns.exception.Timeout):
            pass
        time.sleep(0.02)
    raise AssertionError(f"{name}: still {last} after {timeout} s, wanted {want}")


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _ready(port: int, name: str, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            missing(what, f"exited with {proc.returncode}: {log.read_text()[-600:]}")
        try:
            ask(port, name, "SOA", timeout=0.2)
            return
        except (OSError, dns.exception.Timeout):
            time.sleep(0.05)
    proc.kill()
    missing(what, f"not answering on 127.0.0.1:{port}: {log.read_text()[-600:]}")


@contextmanager
def bind_primary(directory: Path, key: Path, *, notify_port: int) -> Iterator[Server]:
    """BIND 9 as the zone's primary, updatable with `key`, notifying 127.0.0.1:notify_port."""
    named = need_binary("named")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    (directory / "rpz.db").write_text(
        f"$ORIGIN {ZONE}.\n$TTL 60\n@ SOA localhost. hostmaster.localhost. 1 3600 600 604800 60\n"
        "@ NS localhost.\n"
    )
    key_name = key.read_text().split('"')[1]
    conf = directory / "named.conf"
    conf.write_text(
        f'include "{key}";\n'
        "options {\n"
        f'  directory "{directory}";\n'
        f'  pid-file "{directory}/named.pid";\n'
        f'  session-keyfile "{directory}/session.key";\n'
        f"  listen-on port {port} {{ 127.0.0.1; }};\n"
        "  listen-on-v6 { none; };\n"
        "  recursion no;\n"
        "  dnssec-validation no;\n"
        "  notify explicit;\n"
        "  notify-delay 0;\n"
        f"  also-notify {{ 127.0.0.1 port {notify_port}; }};\n"
        "  allow-transfer { 127.0.0.1; };\n"
        "};\n"
        "controls { };\n"
        f'zone "{ZONE}" {{\n'
        "  type primary;\n"
        f'  file "{directory}/rpz.db";\n'
        f"  allow-update {{ key {key_name}; }};\n"
        "  max-ixfr-ratio unlimited;\n"
        "};\n"
    )
    log = directory / "named.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [named, "-g", "-n", "1", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(port, proc, log)
    try:
        _ready(port, ZONE, proc, log, "BIND named")
        yield server
    finally:
        server.stop()


@contextmanager
def unbound_resolver(
    directory: Path, *, port: int, primary_port: int, forward: str
) -> Iterator[Server]:
    """Unbound with an `rpz:` clause transferring the zone from the primary; every other
    query forwarded to `forward` (the testnet DNS, IP:PORT)."""
    unbound = need_binary("unbound")
    directory.mkdir(parents=True, exist_ok=True)
    host, fport = forward.rsplit(":", 1)
    conf = directory / "unbound.conf"
    conf.write_text(
        "server:\n"
        "  interface: 127.0.0.1\n"
        f"  port: {port}\n"
        "  do-ip6: no\n"
        '  username: ""\n'
        '  chroot: ""\n'
        f'  directory: "{directory}"\n'
        f'  pidfile: "{directory}/unbound.pid"\n'
        "  use-syslog: no\n"
        '  logfile: ""\n'
        "  verbosity: 1\n"
        '  module-config: "respip iterator"\n'
        "  do-not-query-localhost: no\n"
        "  access-control: 127.0.0.0/8 allow\n"
        "  cache-max-ttl: 1\n"
        "  cache-max-negative-ttl: 1\n"
        "  num-threads: 1\n"
        # test. is served locally by default (RFC 6761); the testnet's names live there.
        '  local-zone: "test." nodefault\n'
        '  domain-insecure: "test."\n'
        "rpz:\n"
        f'  name: "{ZONE}."\n'
        f"  primary: 127.0.0.1@{primary_port}\n"
        "  allow-notify: 127.0.0.1\n"
        "  rpz-log: yes\n"
        '  rpz-log-name: "revenant"\n'
        "forward-zone:\n"
        '  name: "."\n'
        f"  forward-addr: {host}@{fport}\n"
    )
    check = subprocess.run(
        [need_binary("unbound-checkconf"), str(conf)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    log = directory / "unbound.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [unbound, "-d", "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
    server = Server(port, proc, log)
    try:
        _ready(port, "localhost.", proc, log, "Unbound")
        yield server
    finally:
        server.stop()
