"""Acting on confirmed re-emergences: decisions (each written to the custody ledger),
orders and their extensions to mirrors, the RPZ blocking zone and its push to a DNS
primary, re-checks of confirmed sites and the case timeline.

Nothing here fetches anything itself: re-checks go through the same prober and pipeline
as every capture.
"""
