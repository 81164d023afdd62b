"""Audit query benchmark: one subject's trail through the HTTP API, in a database of 1M (or 10M) chained events.

    python -m bench.audit_query [--events 1000000 | --ten-million] [--backends postgresql sqlite]
                                [--requests 200] [--seconds 60] [--url URL] [--compare]

The database is `bench.audit_verify`'s (its bulk builder): relmacel subjects
at site 01, 333 chained events each (3,003 subjects at 1M events, 30,030 at
10M), all in one study, so a subject's events are a sliver of the study's.
On PostgreSQL it is the scratch database `edc_bench` (`bench.api_submit`'s,
on EDC_BENCH_ADMIN_URL), ANALYZEd after the bulk load as autovacuum would;
on SQLite a file in a temporary directory. `--url` measures a database an
earlier run (or `bench.audit_verify --url`) built, building it only if it
has no events.

A monitor (every site) is created with the access service and logs in over
HTTP. The service is the real application under uvicorn in its own process
(`bench.api_submit.start_server`, one worker; the capture benchmark's bare
endpoint beside it, unused here); one keep-alive client
(`bench.http_load`) asks, one request at a time, for the first page (100
events) of the trail of the first-, middle- and last-created subject: once
each to check the page is that subject's (the warm-up), then in turn,
`--requests` times each (or for `--seconds` at most). It prints p50 and p99
ms per subject and over all three (the requests per second are each one's
share of the sequential run), and the plan of the statement the route sends
for each (`edc.app.trail.store.events_query`): EXPLAIN ANALYZE on
PostgreSQL, EXPLAIN QUERY PLAN on SQLite.

With `--compare`, the same database is measured twice in one run: first at
`BEFORE_REVISION` (0027: the audit trail's indexes before 0028's), stamped
at head or the service would refuse it; then stamped back and upgraded to
head, the index builds timed. Both phases run the current code. A database
built by the run is built at 0027, as an installation migrated to it has its
indexes; a `--url` at head is downgraded, which creates 0027's indexes
after the others, and SQLite, which has no statistics, took the newest of
the indexes it weighs as equal: that "before" is not the installations' one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import func, inspect, select, text

from bench.api_submit import Result, scratch_database, start_server
from bench.audit_verify import STUDY, build
from bench.http_load import Connection
from edc.app.access.service import GrantSpec, create_user
from edc.app.kernel.actor import Actor
from edc.app.trail.store import AuditFilter, events_query
from edc.config import forms_dir
from edc.db.core import Subject, User
from edc.db.engine import is_postgres, make_engine
from edc.db.migrate import alembic_config, upgrade
from edc.db.trail import AuditEvent
from edc.definitions.loader import load_catalog

USER, PASSWORD = "bench_monitor", "benchmark password 1"
PAGE = 100
#: `--compare` measures the database with this revision's audit indexes first (those before migration 0028).
BEFORE_REVISION = "0027"


def prepare(url: str, events: int, revision: str) -> None:
    """Build `url` at `revision` unless it holds events, add the monitor unless present, ANALYZE (PostgreSQL)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            built = inspect(conn).has_table(AuditEvent.__tablename__) and conn.execute(
                select(AuditEvent.id).limit(1)).first() is not None
        if not built:
            started = time.perf_counter()
            build(url, load_catalog(forms_dir()), events, revision)
            print(f"  built for {events} events in {time.perf_counter() - started:.0f} s", flush=True)
        with engine.begin() as conn:
            count = conn.execute(select(func.max(AuditEvent.id))).scalar_one()
            print(f"  {count} events in the trail", flush=True)
            if conn.execute(select(User.id).where(User.username == USER)).first() is None:
                create_user(conn, username=USER, full_name="Bench Monitor", password=PASSWORD,
                            grants=[GrantSpec("monitor", STUDY)], now=datetime.now(UTC))
        analyse(url)
    finally:
        engine.dispose()


def analyse(url: str) -> None:
    """Fresh planner statistics on PostgreSQL (a bulk load outruns autovacuum); SQLite is left as served."""
    if not is_postgres(url):
        return
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def sample_subjects(url: str) -> list[str]:
    """The subject numbers of the first-, middle- and last-created subjects."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            numbers = list(conn.execute(select(Subject.subject_number).order_by(Subject.id)).scalars())
    finally:
        engine.dispose()
    return [numbers[0], numbers[len(numbers) // 2], numbers[-1]]


def plans(url: str, subjects: list[str]) -> list[str]:
    """The plan of the route's statement for each subject: first page, a monitor of every site."""
    engine = make_engine(url)
    explain = "EXPLAIN (ANALYZE, COSTS OFF)" if is_postgres(url) else "EXPLAIN QUERY PLAN"
    lines = []
    try:
        with engine.connect() as conn:
            actor = Actor(user_id=0, role="monitor")
            for number in subjects:
                query = events_query(AuditFilter(study_id=STUDY, subject_number=number), actor, 0, PAGE)
                sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
                lines.append(f"  plan for {number}:")
                lines += [f"    {row[-1]}" for row in conn.exec_driver_sql(f"{explain} {sql}")]
    finally:
        engine.dispose()
    return lines


async def time_trails(port: int, subjects: list[str], requests: int, seconds: float) -> list[Result]:
    """Log in, check each subject's first page, then time the pages in turn: one Result each, and "all"."""
    connection = await Connection.open("127.0.0.1", port)
    try:
        status, body = await connection.post_json("/api/v1/auth/token", {"username": USER, "password": PASSWORD})
        if status != 201:
            raise SystemExit(f"login: {status} {body[:300]!r}")
        headers = {"Authorization": f"Bearer {json.loads(body)['token']}"}
        paths = {number: f"/api/v1/studies/{STUDY}/audit?subject={number}&limit={PAGE}" for number in subjects}
        for number, path in paths.items():
            status, body = await connection.get(path, headers)
            items = json.loads(body)["items"] if status == 200 else []
            if len(items) != PAGE or {item["subject_number"] for item in items} != {number}:
                raise SystemExit(f"{number}: {status}, not a full page of that subject's events: {body[:300]!r}")
        latencies: dict[str, list[float]] = {number: [] for number in subjects}
        began = time.monotonic()
        for _ in range(requests):
            for number, path in paths.items():
                started = time.perf_counter()
                status, body = await connection.get(path, headers)
                latencies[number].append((time.perf_counter() - started) * 1000)
                if status != 200:
                    raise SystemExit(f"{number}: {status} {body[:300]!r}")
            if time.monotonic() - began > seconds:
                break
    finally:
        await connection.close()
    elapsed = time.monotonic() - began
    every = [ms for timed in latencies.values() for ms in timed]
    return [*(Result(number, len(timed), elapsed, timed) for number, timed in latencies.items()),
            Result("all", len(every), elapsed, every)]


def measure(url: str, args: argparse.Namespace) -> tuple[list[Result], list[str]]:
    """Serve `url` and time the sampled subjects' trails; then the plans of their statements."""
    subjects = sample_subjects(url)
    with tempfile.TemporaryDirectory(prefix="edc-bench-holds-") as holds:
        server = start_server(url, args.port, 1, Path(holds))
        try:
            timings = asyncio.run(time_trails(args.port, subjects, args.requests, args.seconds))
        finally:
            server.terminate()
            server.wait(30)
    return timings, plans(url, subjects)


def compare(url: str, args: argparse.Namespace) -> list[str]:
    """`url` measured with BEFORE_REVISION's audit indexes, then at head (AFTER_REVISION's): side by side."""
    config = alembic_config(url)
    command.downgrade(config, BEFORE_REVISION)
    command.stamp(config, "head")  # the service serves only a database at head
    analyse(url)
    before, before_plans = measure(url, args)
    command.stamp(config, BEFORE_REVISION)
    started = time.perf_counter()
    upgrade(url)
    seconds = time.perf_counter() - started
    analyse(url)
    after, after_plans = measure(url, args)
    lines = [f"  upgrade {BEFORE_REVISION} -> head (the index builds): {seconds:.1f} s",
             f"  {'ms':>9}  {'before: p50':>11} {'p99':>7}  {'after: p50':>10} {'p99':>7}  (requests)"]
    lines += [f"  {b.name:>9}  {b.percentile(0.5):11.1f} {b.percentile(0.99):7.1f}  {a.percentile(0.5):10.1f} "
              f"{a.percentile(0.99):7.1f}  ({b.requests}, {a.requests})" for b, a in zip(before, after, strict=True)]
    return [*lines, f"  before ({BEFORE_REVISION}'s indexes):", *before_plans, "  after:", *after_plans]


def database_url(backend: str, scratch: Path, given: str | None) -> str:
    if given:
        return given
    if backend == "postgresql":
        return scratch_database(os.environ.get("EDC_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    return f"sqlite:///{scratch}/edc_audit_query.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--ten-million", action="store_true", help="10M events (a long build)")
    parser.add_argument("--backends", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"])
    parser.add_argument("--requests", type=int, default=200, help="requests per subject")
    parser.add_argument("--seconds", type=float, default=60, help="at most this long per measurement")
    parser.add_argument("--url", help="measure this database (its backend only), built here only if it has no events")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--compare", action="store_true",
                        help=f"measure with revision {BEFORE_REVISION}'s audit indexes, then at head")
    args = parser.parse_args()
    events = 10_000_000 if args.ten_million else args.events
    with tempfile.TemporaryDirectory(prefix="edc-bench-") as scratch:
        backends = [("postgresql" if is_postgres(args.url) else "sqlite")] if args.url else args.backends
        for backend in backends:
            url = database_url(backend, Path(scratch), args.url)
            print(f"{backend} ({url.split('@')[-1]}):", flush=True)
            prepare(url, events, BEFORE_REVISION if args.compare else "head")
            if args.compare:
                print("\n".join(compare(url, args)), flush=True)
                continue
            timings, lines = measure(url, args)
            print("\n".join([timing.line() for timing in timings] + lines), flush=True)


if __name__ == "__main__":
    main()
