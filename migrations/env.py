"""Alembic environment: the target schema is built from the study definitions (see edc.db.migrate)."""

from alembic import context

from edc.db.migrate import run_environment

run_environment(context)
