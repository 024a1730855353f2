"""match stage (see ../shared/DESIGN.md)."""
