"""Alembic environment: uses the caller's connection, batch mode on SQLite, one migrator at a time.

Every step runs inside the caller's single transaction (SQLite: Waypoint's engine issues BEGIN itself, so DDL
is transactional there too), so a step that fails rolls back the whole upgrade and the previous schema stays.
"""

from alembic import context
from sqlalchemy import create_engine, text

from models.store.entities import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    if connection.dialect.name == "postgresql":
        # A step that rewrites many rows may take longer than any page statement may (the app's
        # statement_timeout), and an instance that starts while another migrates waits for it as long as that
        # takes, not just the app's short lock_timeout.
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text("SET LOCAL lock_timeout = '10min'"))
        # Several app instances may start together; only one migrates, the others wait for it.
        connection.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        # The steps' own DDL waits only as long as a save would, so it never queues every page behind it.
        connection.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("Waypoint migrations run online only")
run_migrations_online()
