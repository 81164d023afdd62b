"""Handler model and PostgreSQL driver: sync handlers on psycopg in threads (the service today) against async
handlers on asyncpg, and on psycopg's own async mode, side by side in one server.

    pip install -e '.[bench]'    # asyncpg
    python -m bench.drivers [--clients 8 32 64] [--seconds 10] [--workers 2] [--statements 1 13]

The performance issue asks to measure async handlers with asyncpg against psycopg in threads and keep the
faster. This serves a minimal Litestar app (no middleware, no authentication: only the handler model and the
driver differ) over uvicorn with four endpoints, each one transaction that inserts one row and, for
`statements` above 1, reads it back that many times less one (a submission sends 13 statements, a bare insert
one):

- `/sync/psycopg`: a sync handler run in Litestar's thread pool, SQLAlchemy's sync engine, psycopg 3;
- `/async/psycopg`: an async handler, SQLAlchemy's async engine, psycopg 3 in async mode;
- `/async/asyncpg`: an async handler, SQLAlchemy's async engine, asyncpg;
- `/async/asyncpg-bare`: an async handler on asyncpg's own pool, no SQLAlchemy: the driver's ceiling, what
  rewriting every repository in asyncpg's SQL would at best reach.

Each engine has SQLAlchemy's default pool (5 connections, 10 more on overflow) and pre-ping, as the service's;
asyncpg's own pool has 5 to 15 connections and no pre-ping (it resets a connection as it is released).
The four are loaded in turn at each client count, the order rotated between rounds so none always runs
first on a warmer machine; quote the ratios of one round.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, get, post
from litestar.params import JSONBody
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, bindparam, create_engine, insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from bench.api_submit import load, scratch_database, serve
from bench.http_load import Connection

METADATA = MetaData()
ROWS = Table("driver_rows", METADATA, Column("id", Integer, primary_key=True), Column("payload", Integer),
             Column("created_at", DateTime(timezone=True)))
ENDPOINTS = ("/sync/psycopg", "/async/psycopg", "/async/asyncpg", "/async/asyncpg-bare")
#: A request asks for at most this many statements: the benchmark's own bound on its input.
MAX_STATEMENTS = 100
_INSERT = insert(ROWS).values(payload=bindparam("payload"), created_at=bindparam("created_at")).returning(ROWS.c.id)
_READ = select(ROWS.c.payload).where(ROWS.c.id == bindparam("id"))
_BARE_INSERT = "INSERT INTO driver_rows (payload, created_at) VALUES ($1, $2) RETURNING id"
_BARE_READ = "SELECT payload FROM driver_rows WHERE id = $1"


def _statements(data: dict[str, Any]) -> tuple[int, int]:
    return int(data.get("n", 0)), max(1, min(MAX_STATEMENTS, int(data.get("statements", 1))))


def driver_app() -> Litestar:
    """The four endpoints on the database of EDC_BENCH_DRIVER_URL (a plain postgresql:// URL)."""
    url = os.environ["EDC_BENCH_DRIVER_URL"].split("://", 1)[1]
    sync_engine = create_engine(f"postgresql+psycopg://{url}", pool_pre_ping=True)
    engines = {"psycopg": create_async_engine(f"postgresql+psycopg://{url}", pool_pre_ping=True),
               "asyncpg": create_async_engine(f"postgresql+asyncpg://{url}", pool_pre_ping=True)}

    @post("/sync/psycopg", status_code=201, sync_to_thread=True)
    def sync_psycopg(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        n, count = _statements(data)
        with sync_engine.begin() as conn:
            key = int(conn.execute(_INSERT, {"payload": n, "created_at": datetime.now(UTC)}).scalar_one())
            for _ in range(count - 1):
                conn.execute(_READ, {"id": key}).scalar_one()
        return {"id": key}

    async def in_async(driver: str, data: dict[str, Any]) -> dict[str, int]:
        n, count = _statements(data)
        async with engines[driver].begin() as conn:
            key = int((await conn.execute(_INSERT, {"payload": n, "created_at": datetime.now(UTC)})).scalar_one())
            for _ in range(count - 1):
                (await conn.execute(_READ, {"id": key})).scalar_one()
        return {"id": key}

    @post("/async/psycopg", status_code=201)
    async def async_psycopg(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        return await in_async("psycopg", data)

    @post("/async/asyncpg", status_code=201)
    async def async_asyncpg(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        return await in_async("asyncpg", data)

    pools: list[Any] = []

    async def open_bare_pool() -> None:  # at startup: requests racing to create it would each open one
        import asyncpg  # the bench extra: only this endpoint needs it
        pools.append(await asyncpg.create_pool(f"postgresql://{url}", min_size=5, max_size=15))

    @post("/async/asyncpg-bare", status_code=201)
    async def async_asyncpg_bare(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
        n, count = _statements(data)
        async with pools[0].acquire() as conn, conn.transaction():
            key = int(await conn.fetchval(_BARE_INSERT, n, datetime.now(UTC)))
            for _ in range(count - 1):
                await conn.fetchval(_BARE_READ, key)
        return {"id": key}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([sync_psycopg, async_psycopg, async_asyncpg, async_asyncpg_bare, health],
                    on_startup=[open_bare_pool], debug=bool(os.environ.get("EDC_BENCH_DEBUG")))


async def _rounds(port: int, clients: list[int], seconds: float, statements: list[int]) -> list[str]:
    address = ("127.0.0.1", port)
    lines = []
    for endpoint in ENDPOINTS:  # warm every pool and the statement caches of every worker
        await load("warm-up", address, max(clients), 1, _requester(endpoint, 1))
    for turn, (count, number) in enumerate((c, s) for s in statements for c in clients):
        order = ENDPOINTS[turn % len(ENDPOINTS):] + ENDPOINTS[:turn % len(ENDPOINTS)]
        results = {endpoint: await load(endpoint, address, count, seconds, _requester(endpoint, number))
                   for endpoint in order}
        base = results[ENDPOINTS[0]].throughput
        lines.append(f"{count} clients, {number} statement(s) per request, order {', '.join(order)}:")
        lines += [f"  {results[e].line()}; / sync psycopg {results[e].throughput / base:.2f}" for e in ENDPOINTS]
    return lines


def _requester(endpoint: str, statements: int) -> Any:
    def request(connection: Connection, i: int) -> Awaitable[tuple[int, bytes]]:
        return connection.post_json(endpoint, {"n": i, "statements": statements})
    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--statements", type=int, nargs="+", default=[1, 13],
                        help=f"statements per request, 1 to {MAX_STATEMENTS}")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    if not all(1 <= s <= MAX_STATEMENTS for s in args.statements):
        parser.error(f"--statements must be between 1 and {MAX_STATEMENTS}")
    url = scratch_database(os.environ.get("EDC_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    plain = "postgresql://" + url.split("://", 1)[1]
    engine = create_engine(url)
    METADATA.create_all(engine)
    engine.dispose()
    server = serve("bench.drivers:driver_app", args.port, args.workers, {"EDC_BENCH_DRIVER_URL": plain})
    try:
        lines = asyncio.run(_rounds(args.port, args.clients, args.seconds, args.statements))
    finally:
        server.terminate()
        server.wait(30)
    print(f"\n{args.workers} server workers, {args.seconds:g} s per endpoint")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
