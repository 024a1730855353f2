"""A simulated internet on loopback: a DNS server and many HTTP(S) sites on 127.x.y.z,
shared by the tests, the benchmarks and the demo. Never binds anything but loopback.

Sites are data (`sites.py`), served by `Testnet` (`net.py`); `scenario.generate` builds
a case and its web from a seed, `hostile.hostile_sites` the misbehaving corpus.
"""

from revenant.testnet.net import Testnet
from revenant.testnet.sites import CertSpec, Hostile, Page, Record, SiteSpec

__all__ = ["CertSpec", "Hostile", "Page", "Record", "SiteSpec", "Testnet"]
