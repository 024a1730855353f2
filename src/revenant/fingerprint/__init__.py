"""Capture -> typed features and similarity sketches (DESIGN.md, stage 4).

Public surface: `extract(capture) -> Fingerprint`, `AsnTable` for the offline ASN
table, and the sketch helpers the matcher needs (`hamming`, `jaccard`).
"""

from revenant.fingerprint.extract import extract
from revenant.fingerprint.network import AsnTable
from revenant.fingerprint.text import hamming, jaccard

__all__ = ["AsnTable", "extract", "hamming", "jaccard"]
