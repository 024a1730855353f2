"""Reading hostile HTML, bounded: page bytes to the `model.PageSummary` every stage
needs (what the prober fetches next, what the fingerprint and the pivots read), parsed
once per page by Lexbor in a pool of worker processes whose time and memory are capped
by the kernel, after cheap cuts of markup made to be slow (deep nesting, tags of
200,000 attributes).

Not a stage of the flow: the prober and the fingerprint both read pages through it,
as they both read host names through `revenant.hostnames`. It imports only the
parser and `model`, so a worker process starts with nothing else loaded. It must never
let a page take more than its `ParseLimits`, and never raise for what a page holds:
a page past a bound is a `Parsed` whose outcome says so.

Public surface: `ParsePool` (and `default_pool()`), `ParseLimits`, `read_html` (in the
calling process, unbounded: what a worker runs), `MAX_MARKUP`.
"""

from revenant.html.pool import ParsePool, PoolStats, default_pool
from revenant.html.read import DEFAULT_LIMITS, MAX_MARKUP, ParseLimits, read_html

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_MARKUP",
    "ParseLimits",
    "ParsePool",
    "PoolStats",
    "default_pool",
    "read_html",
]
