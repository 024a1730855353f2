"""evidence stage (see ../shared/DESIGN.md): captures written as WARC 1.1 with a
hash-chained custody ledger, read back, verified, and packaged as signed WACZ."""

from revenant.evidence.ledger import Ledger, LedgerEntry
from revenant.evidence.read import read_captures
from revenant.evidence.verify import Finding, VerifyReport, verify, verify_all, verify_case
from revenant.evidence.wacz import WaczReport, export_wacz, verify_wacz
from revenant.evidence.warc import EvidenceLog, case_dir, open_case_log

__all__ = [
    "EvidenceLog",
    "Finding",
    "Ledger",
    "LedgerEntry",
    "VerifyReport",
    "WaczReport",
    "case_dir",
    "export_wacz",
    "open_case_log",
    "read_captures",
    "verify",
    "verify_all",
    "verify_case",
    "verify_wacz",
]
