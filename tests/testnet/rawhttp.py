"""Raw clients for the testnet tests: plain sockets with tight timeouts, so a test
sees exactly the bytes a site sends (a library client would hide the misbehaviour).

A plain module rather than conftest.py so tests can import it by a unique name."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from revenant.testnet import Testnet


@dataclass
class Raw:
    """What came back on one connection: the bytes until close, reset or limit."""

    data: bytes
    reset: bool = False
    timed_out: bool = False

    @property
    def head(self) -> bytes:
        return self.data.split(b"\r\n\r\n", 1)[0]

    @property
    def body(self) -> bytes:
        return self.data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in self.data else b""

    @property
    def status(self) -> int:
        return int(self.data.split(b" ", 2)[1])

    def header(self, name: str) -> str | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.decode("latin-1").lower() == name.lower():
                return value.strip().decode("latin-1")
        return None

    def headers(self, name: str) -> list[str]:
        return [
            line.partition(b":")[2].strip().decode("latin-1")
            for line in self.head.split(b"\r\n")[1:]
            if line.partition(b":")[0].decode("latin-1").lower() == name.lower()
        ]


def connect(
    net: Testnet, name: str, *, https: bool = False, timeout: float = 3.0, cafile: str | None = None
) -> socket.socket:
    """A connected (and for https, verified) socket to the site serving `name`."""
    port = net.https_port if https else net.http_port
    sock = socket.create_connection((net.address_of(name), port), timeout=timeout)
    if not https:
        return sock
    context = ssl.create_default_context(cafile=cafile or str(net.ca_pem))
    try:
        return context.wrap_socket(sock, server_hostname=name)
    except BaseException:
        sock.close()
        raise


RawGet = Callable[..., Raw]


def raw_getter() -> RawGet:
    """GET `path` from `name` and read until close/reset, `limit` bytes or `timeout`."""

    def get(
        net: Testnet,
        name: str,
        path: str = "/",
        *,
        https: bool = False,
        timeout: float = 3.0,
        limit: int = 4 << 20,
        extra: str = "",
        method: str = "GET",
    ) -> Raw:
        sock = connect(net, name, https=https, timeout=timeout)
        request = f"{method} {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n{extra}\r\n"
        chunks: list[bytes] = []
        size = 0
        result = Raw(b"")
        with sock:
            sock.sendall(request.encode())
            try:
                while size < limit:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
            except ConnectionResetError:
                result.reset = True
            except TimeoutError:
                result.timed_out = True
        result.data = b"".join(chunks)
        return result

    return get
