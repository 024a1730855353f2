"""Designed errors: one base, one subclass per failure a caller can act on.

Messages name the thing and the place ("feed ct.json line 48213: SAN has 312 characters
(max 253); skipped"). The CLI turns any RevenantError into one line and exit code 1.
"""

from __future__ import annotations


class RevenantError(Exception):
    """Base of every error Revenant raises on purpose."""


class UsageError(RevenantError):
    """Arguments that cannot work (bad URL, bad CIDR, conflicting options). Exit code 2."""


class UnknownCase(RevenantError):
    """No case of that name in the store."""


class CaseExists(RevenantError):
    """A case of that name already exists."""


class StoreError(RevenantError):
    """The database cannot be opened or migrated."""


class FetchRefused(RevenantError):
    """The probe policy refused a target (address, scheme, content)."""


class FetchFailed(RevenantError):
    """A target could not be fetched at all (DNS, connection, TLS, timeout)."""


class BadInput(RevenantError):
    """Hostile or malformed outside input: a page, a file, a feed line."""


class BadWarc(BadInput):
    """A WARC file that cannot be read."""


class BadFeed(BadInput):
    """A discovery feed entry that cannot be used."""


class EvidenceCorrupt(RevenantError):
    """Stored evidence no longer matches its digests or its ledger."""


class DecisionRefused(RevenantError):
    """A decision the rules forbid: extending an order with an unconfirmed alert, acting
    on a lifted or expired order, approving one's own confirmation."""


class PushFailed(RevenantError):
    """The blocking zone could not be pushed to the DNS primary (refused, down, bad key)."""
