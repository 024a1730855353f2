"""probe stage (see ../shared/DESIGN.md): safe, bounded, polite fetching of one target
into a `model.Capture`. Public surface: `ProbeConfig`, `Bounds`, `Concurrency`, `Prober`,
`capture_sync`, `parse_allow`, `address_refusal`."""

from revenant.probe.capture import Prober, capture_sync
from revenant.probe.config import Bounds, Concurrency, ProbeConfig
from revenant.probe.policy import address_refusal, parse_allow

__all__ = [
    "Bounds",
    "Concurrency",
    "ProbeConfig",
    "Prober",
    "address_refusal",
    "capture_sync",
    "parse_allow",
]
