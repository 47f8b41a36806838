"""Alembic environment: the engine comes from the caller (``store.migrate``) or -x url=…"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from possync_gui.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///possync.sqlite3")
        engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite can only ALTER through table copies
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("possync migrations run online only")
run_migrations_online()
