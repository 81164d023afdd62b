"""The API plus one bare endpoint that inserts one row, for the capture benchmark's baseline.

Same stack as the real service (uvicorn, Litestar, the request transaction,
SQLAlchemy, psycopg, PostgreSQL), none of the work of a submission: no
authentication, validation, calculation, edit checks or audit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, Request, post
from litestar.params import JSONBody
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert

from edc.api.asgi import app_from_env
from edc.app.kernel.context import transaction

METADATA = MetaData()
BENCH_ROWS = Table("bench_rows", METADATA, Column("id", Integer, primary_key=True),
                   Column("payload", Integer), Column("created_at", DateTime(timezone=True)))


@post("/bench/bare", status_code=201, sync_to_thread=True)
def bare(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, int]:
    """Insert one row in the request's transaction."""
    with transaction(request, write=True) as conn:
        key = conn.execute(insert(BENCH_ROWS).values(payload=len(data), created_at=datetime.now(UTC)))
        assert key.inserted_primary_key is not None
        return {"id": int(key.inserted_primary_key[0])}


def bench_app() -> Litestar:
    """The service of EDC_DATABASE_URL with the bare endpoint registered."""
    app = app_from_env()
    app.register(bare)
    return app
