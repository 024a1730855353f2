"""web stage (see ../shared/DESIGN.md): the analysts' dashboard, a thin server-rendered
front over the same store, match and evidence functions the CLI calls."""

from revenant.web.app import create_app

__all__ = ["create_app"]
