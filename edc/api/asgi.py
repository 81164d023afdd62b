"""The ASGI entry point for servers: the application built from the environment's settings.

`uvicorn --factory edc.api.asgi:app_from_env` (what `edc serve` runs) builds it
in each worker process; the database must already be migrated.
"""

from __future__ import annotations

from litestar import Litestar

from edc import config
from edc.api.app import create_app
from edc.db.engine import make_engine
from edc.definitions.loader import load_catalog


def app_from_env() -> Litestar:
    """The API over EDC_DATABASE_URL with the definitions of EDC_FORMS_DIR."""
    engine = make_engine(config.database_url(), pool_size=config.db_pool_size(), max_overflow=0)
    return create_app(engine, load_catalog(config.forms_dir()))
