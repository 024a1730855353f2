"""fingerprint stage (see ../shared/DESIGN.md)."""
