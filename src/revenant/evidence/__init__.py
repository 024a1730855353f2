"""evidence stage (see ../shared/DESIGN.md)."""
