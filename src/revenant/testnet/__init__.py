"""testnet stage (see ../shared/DESIGN.md)."""
