"""probe stage (see ../shared/DESIGN.md)."""
