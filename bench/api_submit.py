"""Capture benchmark: full form submissions over HTTP against PostgreSQL, next to a bare one-row endpoint.

    python -m bench.api_submit [--clients 8 32 64] [--seconds 10] [--workers 2] [--backends postgresql sqlite]

Creates a scratch database (`edc_bench` on EDC_BENCH_ADMIN_URL, default the
local server), migrates it, screens enough subjects to never reuse a visit,
starts uvicorn workers in their own processes and loads them from this
process with concurrent keep-alive HTTP clients (`bench.http_load`, cheap
enough not to starve the server it shares the machine with):

- submit: POST a SELENA-SLEDAI form at a subject's screening visit (25
  entered items, 3 calculated scores, edit checks, 29 audit events, the
  record identity and typed row) as a logged-in investigator;
- bare: POST to an endpoint on the same stack that inserts one row.

It does so at each client count (8, 32 and 64 by default) on PostgreSQL and
then on SQLite, and prints throughput and p50/p99 latency of each, the ratio
of the throughputs and how long the submissions held the audit chain's head
(`bench.bare_app`). The load generator shares the machine with the server, so
quote ratios from one run, not absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.bare_app import BENCH_ROWS, METADATA
from bench.http_load import Connection
from edc import config
from edc.app.access.service import GrantSpec, create_user
from edc.app.kernel.actor import Actor
from edc.app.subjects.service import screen_subject
from edc.db.engine import make_engine, normalise_url
from edc.definitions.loader import load_catalog
from edc.serve import prepare_database

ROOT = Path(__file__).resolve().parent.parent
STUDY, SITE, USER, PASSWORD = "relmacel", "01", "bench_inv", "benchmark password 1"
BOOLEANS = [
    "seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
    "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria", "pyuria",
    "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever", "thrombocytopenia", "leukopenia",
]


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        """The latency (ms) that `share` (0.99: p99) of the requests took at most; the median for 0.5."""
        if share == 0.5:
            return statistics.median(self.latencies_ms)
        lat = sorted(self.latencies_ms)
        return lat[min(len(lat) - 1, int(len(lat) * share))]

    def line(self) -> str:
        return (f"{self.name:>7}: {self.requests:6d} requests in {self.seconds:5.1f} s = {self.throughput:7.1f}/s, "
                f"p50 {self.percentile(0.5):6.1f} ms, p99 {self.percentile(0.99):6.1f} ms")


def sledai_payload(i: int) -> dict[str, object]:
    """A full SLEDAI visit form: every descriptor answered, a few present."""
    payload: dict[str, object] = {"sledai_dat": "2026-03-02"}
    payload.update({name: (i + n) % 7 == 0 for n, name in enumerate(BOOLEANS)})
    payload.update({"proteinuria": "NEW", "rash": "PERSISTENT", "alopecia": "ABSENT", "mucosal_ulcers": "RECURRENT"})
    return payload


def scratch_database(admin_url: str) -> str:
    """Drop and create `edc_bench`; return its URL."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "edc_bench" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "edc_bench"'))
    admin.dispose()
    return make_url(normalise_url(admin_url)).set(database="edc_bench").render_as_string(hide_password=False)


def seed(url: str, subjects: int) -> None:
    """Migrate, register, add the investigator and screen `subjects` subjects at site 01."""
    prepare_database(url)
    catalog = load_catalog(config.forms_dir())
    study = catalog.study(STUDY)
    engine = make_engine(url)
    now = datetime.now(UTC)
    METADATA.create_all(engine, tables=[BENCH_ROWS])
    with engine.begin() as conn:
        user_id = create_user(conn, username=USER, full_name="Bench", password=PASSWORD,
                              grants=[GrantSpec("investigator", STUDY, SITE)], now=now)
    actor = Actor(user_id=user_id, role="investigator")
    for start in range(0, subjects, 500):
        with engine.begin() as conn:
            for _ in range(min(500, subjects - start)):
                screen_subject(conn, study=study, site_code=SITE, cohort="SLE", screened_on=date(2026, 3, 2),
                               actor=actor, now=now)
    engine.dispose()


def start_server(url: str, port: int, workers: int, holds: Path) -> subprocess.Popen[bytes]:
    return serve("bench.bare_app:bench_app", port, workers,
                 {"EDC_DATABASE_URL": url, "PYTHONPATH": str(ROOT), "EDC_BENCH_HOLDS": str(holds)})


def serve(factory: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """uvicorn serving the app `factory` builds, once its GET /health answers 200 (`env` added to ours)."""
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", factory,
                                "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                                "--no-access-log", "--timeout-keep-alive", "60"], env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("the server did not start")


async def load(name: str, address: tuple[str, int], clients: int, seconds: float,
               request: Callable[[Connection, int], Awaitable[tuple[int, bytes]]], limit: int | None = None) -> Result:
    """Run `clients` concurrent loops of `request`, each on its own connection, for `seconds` (or until `limit`
    requests were sent); each must get 201."""
    counter = itertools.count()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client_loop(connection: Connection) -> None:
        while time.monotonic() < deadline:
            i = next(counter)
            if limit is not None and i >= limit:
                return
            started = time.perf_counter()
            status, body = await request(connection, i)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 201:
                raise SystemExit(f"{name}: {status} {body[:300]!r}")

    connections = [await Connection.open(*address) for _ in range(clients)]
    try:
        began = time.monotonic()
        await asyncio.gather(*(client_loop(c) for c in connections))
        elapsed = time.monotonic() - began
    finally:
        for connection in connections:
            await connection.close()
    if limit is not None and len(latencies) >= limit:
        print(f"  ({name}: ran out of screened subjects after {elapsed:.1f} s; raise --subjects)", flush=True)
    return Result(name, len(latencies), elapsed, latencies)


@dataclass(frozen=True)
class Round:
    """One client count's results: the bare endpoint, the submission, and the chain head's hold times."""

    clients: int
    bare: Result
    submit: Result
    waits_ms: list[float]
    holds_ms: list[float]

    def lines(self) -> list[str]:
        return [self.bare.line(), self.submit.line(), _spread("wait", self.waits_ms), _spread("held", self.holds_ms)
                + f"; {sum(self.holds_ms) / 1000 / self.submit.seconds:.0%} of the submit phase's wall time",
                f"  submit/bare throughput: {self.submit.throughput / self.bare.throughput:.2f}"]


def _spread(what: str, times_ms: list[float]) -> str:
    """`what` the chain head: how many times, mean, p50 and p99."""
    ordered = sorted(times_ms) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"   head {what}: {len(times_ms)} times, mean {statistics.fmean(ordered):6.1f} ms, "
            f"p50 {statistics.median(ordered):6.1f} ms, p99 {p99:6.1f} ms")


async def run(address: tuple[str, int], clients: list[int], seconds: float, subjects: int,
              holds: Path) -> list[Round]:
    """For each client count: the bare endpoint, then submissions at subjects not used before."""
    session = await Connection.open(*address)
    status, body = await session.post_json("/api/v1/auth/token", {"username": USER, "password": PASSWORD})
    await session.close()
    if status != 201:
        raise SystemExit(f"login: {status} {body[:300]!r}")
    headers = {"Authorization": f"Bearer {json.loads(body)['token']}"}
    first = 1

    def bare(connection: Connection, i: int) -> Awaitable[tuple[int, bytes]]:
        return connection.post_json("/api/bench/bare", {"n": i})

    await load("warm-up", address, max(clients), 2, bare)
    rounds = []
    for count in clients:
        def submit(connection: Connection, i: int, start: int = first) -> Awaitable[tuple[int, bytes]]:
            number = f"{SITE}-{start + i:03d}"
            path = f"/api/v1/studies/{STUDY}/subjects/{number}/visits/SCR/1/forms/sledai"
            return connection.post_json(path, sledai_payload(i), headers)

        bare_result = await load("bare", address, count, seconds, bare)
        for stale in holds.glob("*.txt"):
            stale.unlink()
        submit_result = await load("submit", address, count, seconds, submit, limit=subjects - first + 1)
        first += submit_result.requests
        timed = [line.split() for path in holds.glob("*.txt") for line in path.read_text().splitlines()]
        rounds.append(Round(count, bare_result, submit_result, [float(w) for w, _ in timed],
                            [float(h) for _, h in timed]))
    return rounds


def bench_backend(backend: str, url: str, args: argparse.Namespace) -> list[Round]:
    """Seed the database of `url`, serve it, run every client count against it."""
    print(f"{backend}: seeding {args.subjects} subjects ...", flush=True)
    seed(url, args.subjects)
    with tempfile.TemporaryDirectory(prefix="edc-bench-holds-") as holds:
        server = start_server(url, args.port, args.workers, Path(holds))
        try:
            return asyncio.run(run(("127.0.0.1", args.port), args.clients, args.seconds, args.subjects, Path(holds)))
        finally:
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--subjects", type=int, default=6000, help="subjects screened up front (one per submit)")
    parser.add_argument("--backends", nargs="+", choices=["postgresql", "sqlite"], default=["postgresql", "sqlite"])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    results: dict[str, list[Round]] = {}
    with tempfile.TemporaryDirectory(prefix="edc-bench-") as scratch:
        for backend in args.backends:
            if backend == "postgresql":
                url = scratch_database(os.environ.get("EDC_BENCH_ADMIN_URL",
                                                      "postgresql://postgres@127.0.0.1:5432/postgres"))
            else:
                url = f"sqlite:///{scratch}/edc_bench.db"
            results[backend] = bench_backend(backend, url, args)
    print(f"\n{args.workers} server workers, {args.seconds:g} s per phase")
    for backend, rounds in results.items():
        for one in rounds:
            print(f"{backend}, {one.clients} clients:")
            print("\n".join(one.lines()))


if __name__ == "__main__":
    main()
