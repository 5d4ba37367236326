"""Alembic runs migrations on the connection vfeedback hands it (already inside a write transaction)."""

from alembic import context

from vfeedback.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
