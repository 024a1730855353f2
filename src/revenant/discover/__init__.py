"""discover stage (see ../shared/DESIGN.md)."""
