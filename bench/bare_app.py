"""The API plus one bare endpoint that inserts one row, for the capture benchmark's baseline.

Same stack as the real service (uvicorn, Litestar, the request transaction,
SQLAlchemy, psycopg, PostgreSQL or SQLite), none of the work of a submission:
no authentication, validation, calculation, edit checks or audit.

With `EDC_BENCH_HOLDS` naming a directory, each worker also records, per
transaction that locked the audit chain's head, how long it waited for the
head (the locking statement sent until it returned: the head's
`UPDATE ... RETURNING`, on SQLite a formality, every writer holding the
database's write lock from `BEGIN IMMEDIATE` on) and how long it then held it (until the
connection went back to the pool after its commit): one line "wait hold" in
milliseconds in `<dir>/<pid>.txt`. The timing lives here, in the benchmark's
server, not in the service.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, post
from litestar.params import JSONBody
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Table, event, insert
from sqlalchemy.pool import Pool

from edc.api.asgi import app_from_env
from edc.app.kernel.context import transaction

METADATA = MetaData()
BENCH_ROWS = Table("bench_rows", METADATA, Column("id", Integer, primary_key=True),
                   Column("payload", Integer), Column("created_at", DateTime(timezone=True)))
_ASKED_AT, _HELD_SINCE = "bench.head_asked_at", "bench.head_locked_at"


@post("/api/bench/bare", status_code=201, sync_to_thread=True, security=[])  # public: no authentication
def bare(request: Request[Any, Any, Any], data: JSONBody[dict[str, Any]]) -> dict[str, int]:
    """Insert one row in the request's transaction."""
    with transaction(request, write=True) as conn:
        key = conn.execute(insert(BENCH_ROWS).values(payload=len(data), created_at=datetime.now(UTC)))
        assert key.inserted_primary_key is not None
        return {"id": int(key.inserted_primary_key[0])}


def record_head_holds(directory: Path) -> None:
    """Time every hold of the chain head in this process (see the module's docstring)."""
    path = directory / f"{os.getpid()}.txt"

    def locking(statement: str) -> bool:
        return "audit_chain_head" in statement and (
            "FOR UPDATE" in statement or statement.lstrip().upper().startswith("UPDATE"))

    def asked(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _ASKED_AT not in conn.info and locking(statement):
            conn.info[_ASKED_AT] = time.perf_counter()

    def locked(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _HELD_SINCE not in conn.info and _ASKED_AT in conn.info and locking(statement):
            conn.info[_HELD_SINCE] = time.perf_counter()

    def released(_dbapi: Any, record: Any) -> None:
        asked_at, since = record.info.pop(_ASKED_AT, None), record.info.pop(_HELD_SINCE, None)
        if asked_at is not None and since is not None:
            with path.open("a") as out:
                out.write(f"{(since - asked_at) * 1000:.3f} {(time.perf_counter() - since) * 1000:.3f}\n")

    event.listen(Engine, "before_cursor_execute", asked)
    event.listen(Engine, "after_cursor_execute", locked)
    event.listen(Pool, "checkin", released)


def bench_app() -> Litestar:
    """The service of EDC_DATABASE_URL with the bare endpoint registered (and the head timed, see above)."""
    holds = os.environ.get("EDC_BENCH_HOLDS")
    if holds:
        record_head_holds(Path(holds))
    app = app_from_env()
    app.register(bare)
    return app
