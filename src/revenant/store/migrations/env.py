"""Alembic environment: run by `revenant.store.db.open_store`, on the connection it passes."""

from __future__ import annotations

from alembic import context

from revenant.store.schema import Base

config = context.config
target_metadata = Base.metadata


def _run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("revenant migrations run through revenant.store.db.open_store")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


_run()
