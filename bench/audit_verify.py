"""Audit benchmark: the chain verify and the replay over 100k and 1M events, with their time and peak memory.

    python -m bench.audit_verify [--events 100000 1000000] [--url URL] [--keep DIR]

The database is built on the bulk path, not through the services, but it is
what the services would leave: relmacel subjects screened at site 01 (three
`subject.screen` events each), their log and screening visits
(`visit.create`), and vital signs records at the screening visit, each with
one `record.create` event per entered item and every fifth corrected once
(`record.correct` on the pulse, version 2), every event chained with the
real hash (`edc.audit.chain`) and the chain head moved to the last one. So
the verify recomputes every hash and the replay folds and compares every
event, and both report the database clean.

Each measurement runs in a fresh Python process (`--child`), which prints
its wall time and its peak RSS (`getrusage`), next to the RSS of a process
that only imported the same modules: memory that stays flat from 100k to 1M
events is the streaming working. Without `--url`, each size gets a new
SQLite file in a temporary directory (kept with `--keep`); a PostgreSQL
`--url` must name an empty database (`{events}` in it is replaced by the size).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from edc.app.records.values import validated
from edc.audit.chain import GENESIS_HASH, event_hash, value_text
from edc.config import forms_dir
from edc.db.core import FormRecord, Site, Subject, User, Visit
from edc.db.engine import make_engine
from edc.db.formtables import form_table_name
from edc.db.migrate import upgrade
from edc.db.registry import current_version_id, register_catalog
from edc.db.schema import build_metadata
from edc.db.trail import AUDIT_HEAD_ID, AuditChainHead, AuditEvent
from edc.definitions.catalog import Catalog
from edc.definitions.loader import load_catalog

STUDY = "relmacel"
FORM = "vital_signs"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
SCREENED = date(2026, 4, 1)
RECORDS_PER_SUBJECT = 40
BATCH = 20_000
PAYLOAD = {"vsdat": "2026-04-01", "sysbp": 120, "diabp": 80, "pulse": 70, "temp": "36.8", "weight": "70.0",
           "height": "175.0"}


class Chain:
    """Rows and their events, the events chained as `edc.audit.trail` chains them, inserted in batches.

    The rows of each table are inserted before the events that refer to them; the head moves at each flush.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn, self.last_id, self.last_hash = conn, 0, GENESIS_HASH
        self.rows: dict[Any, list[dict[str, Any]]] = {}
        self.pending: list[dict[str, Any]] = []

    def row(self, table: Any, **values: Any) -> None:
        self.rows.setdefault(table, []).append(values)

    def add(self, action: str, *, user_id: int, site_id: int, subject_id: int, item: str, new: object,
            old: object = None, record_id: int | None = None, at: datetime = NOW, reason: str | None = None) -> None:
        fields = {"id": self.last_id + 1, "occurred_at": at, "action": action, "user_id": user_id,
                  "role": "investigator", "site_id": site_id, "study_id": STUDY, "subject_id": subject_id,
                  "record_id": record_id, "form_id": FORM if record_id else None, "item": item,
                  "old_value": value_text(old), "new_value": value_text(new), "reason": reason}
        digest = event_hash(self.last_hash, fields)
        self.pending.append({**fields, "prev_hash": self.last_hash, "hash": digest})
        self.last_id, self.last_hash = self.last_id + 1, digest

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.conn.execute(insert(table), rows)
                rows.clear()
        if self.pending:
            self.conn.execute(insert(AuditEvent), self.pending)
            self.pending = []
        self.conn.execute(update(AuditChainHead).where(AuditChainHead.id == AUDIT_HEAD_ID)
                          .values(last_id=self.last_id, last_hash=self.last_hash))


def build(url: str, catalog: Catalog, events: int, revision: str = "head") -> None:
    """Migrate `url` (to `revision`) and fill it with about `events` chained events consistent with the tables."""
    upgrade(url, revision, catalog=catalog)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            register_catalog(conn, catalog, NOW)
            _fill(conn, catalog, events)
    finally:
        engine.dispose()


def _fill(conn: Connection, catalog: Catalog, events: int) -> None:
    """Subjects with explicit ids (the database is new), each with its visits and records, batch by batch."""
    study = catalog.study(STUDY)
    values, _findings = validated(study, study.forms[FORM], PAYLOAD)
    items = {name: value for name, value in values.items() if value is not None}
    table = build_metadata(catalog).tables[form_table_name(STUDY, FORM)]
    user_id = conn.execute(insert(User).values(username="bench", full_name="Bench", password_hash="x",
                                               is_active=True, created_at=NOW).returning(User.id)).scalar_one()
    site_id = conn.execute(select(Site.id).where(Site.study_id == STUDY, Site.code == "01")).scalar_one()
    record = {"form_id": FORM, "definition_version_id": current_version_id(conn, study),
              "form_sha256": study.form_hash(FORM), "status": "entered", "created_at": NOW, "created_by": user_id,
              "updated_by": user_id}
    chain = Chain(conn)
    per_subject = 5 + RECORDS_PER_SUBJECT * len(items) + RECORDS_PER_SUBJECT // 5
    for n in range(max(1, events // per_subject)):
        subject_id, number = n + 1, f"01-{n + 1:05d}"
        chain.row(Subject.__table__, id=subject_id, study_id=STUDY, site_id=site_id, subject_number=number,
                  cohort="SLE", status="screening", screened_on=SCREENED, version=1, created_at=NOW)
        who: dict[str, Any] = {"user_id": user_id, "site_id": site_id, "subject_id": subject_id}
        for item, value in (("subject_number", number), ("cohort", "SLE"), ("screened_on", SCREENED)):
            chain.add("subject.screen", item=item, new=value, **who)
        for visit_id, code, status, planned in ((2 * n + 1, "LOGS", "open", None),
                                                (2 * n + 2, "SCR", "planned", SCREENED)):
            chain.row(Visit.__table__, id=visit_id, subject_id=subject_id, visit_code=code, occurrence=1,
                      status=status, planned_date=planned)
            chain.add("visit.create", item=f"{code}#1", new=planned, reason="subject screened", **who)
        _records(chain, table, who, 2 * n + 2, n * RECORDS_PER_SUBJECT, record, items)
        if len(chain.pending) >= BATCH:
            chain.flush()
    chain.flush()


def _records(chain: Chain, table: Any, who: dict[str, Any], visit_id: int, first_id: int,
             record: dict[str, Any], items: dict[str, object]) -> None:
    """A subject's vital signs records, every fifth corrected on the pulse an hour later."""
    corrected_at = NOW + timedelta(hours=1)
    for seq in range(1, RECORDS_PER_SUBJECT + 1):
        corrected, record_id = seq % 5 == 0, first_id + seq
        chain.row(FormRecord.__table__, id=record_id, subject_id=who["subject_id"], visit_id=visit_id, seq=seq,
                  version=2 if corrected else 1, updated_at=corrected_at if corrected else NOW, **record)
        chain.row(table, record_id=record_id, **({**items, "pulse": 71} if corrected else items))
        for item, value in items.items():
            chain.add("record.create", item=item, new=value, record_id=record_id, **who)
        if corrected:
            chain.add("record.correct", item="pulse", old=70, new=71, record_id=record_id, at=corrected_at,
                      reason="transcription error", **who)


# --- measuring ---------------------------------------------------------------------------------------

def child(what: str, url: str) -> None:
    """Run one measurement in this process and print {"seconds", "rss_mb", "ok", ...} as JSON."""
    catalog = load_catalog(forms_dir())
    engine = make_engine(url)
    started = time.perf_counter()
    outcome: dict[str, Any] = {}
    with engine.connect() as conn:
        if what == "verify":
            from edc.audit import verify
            result = verify(conn)
            outcome = {"ok": result.ok, "events": result.checked}
        elif what == "replay":
            from edc.audit.replay import replay
            replayed = replay(conn, catalog)
            outcome = {"ok": replayed.ok, "events": replayed.events, "rows": replayed.rows,
                       "first": [str(d) for d in replayed.discrepancies[:3]]}
    engine.dispose()
    seconds = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(json.dumps({"what": what, "seconds": round(seconds, 2), "rss_mb": round(rss, 1), **outcome}))


def measure(what: str, url: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.audit_verify", "--child", what, url], check=True,
                          capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--url", help="an empty database per size; {events} is replaced by the size")
    parser.add_argument("--keep", type=Path, help="keep the SQLite files in this directory")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    catalog = load_catalog(forms_dir())
    folder = args.keep or Path(tempfile.mkdtemp(prefix="edc-audit-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    for size in args.events:
        url = args.url.format(events=size) if args.url else f"sqlite:///{folder / f'audit-{size}.sqlite'}"
        started = time.perf_counter()
        build(url, catalog, size)
        print(f"{size:>9} events wanted: built in {time.perf_counter() - started:.1f} s ({url.split('@')[-1]})")
        for what in ("baseline", "verify", "replay"):
            print(f"    {json.dumps(measure(what, url))}", flush=True)


if __name__ == "__main__":
    main()
