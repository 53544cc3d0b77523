"""Alembic environment: run from `backend.core.database.migrate` with the URL set in the config."""

from alembic import context

from backend.core.database import make_engine
from backend.models import Base

config = context.config


def run() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
