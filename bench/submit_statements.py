"""How many SQL statements one form submission costs, route to commit, and which ones.

    python -m bench.submit_statements [--url sqlite:///PATH] [--show]

Migrates a scratch SQLite database (or the one given), creates the demo
accounts, screens a relmacel subject over the API, then counts the
statements the database receives while the investigator submits one
SELENA-SLEDAI form at the screening visit (the same form as
`bench.api_submit`). Only stable entry points are used (the serve
preparation, the demo accounts, the application factory and HTTP), so the
same script measures any commit of the project.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import event

from edc import config
from edc.api.app import create_app
from edc.db.engine import make_engine
from edc.definitions.loader import load_catalog
from edc.demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
from edc.serve import prepare_database

STUDY = "relmacel"
BOOLEANS = ("seizure", "psychosis", "organic_brain_syndrome", "visual_disturbance", "cranial_nerve_disorder",
            "lupus_headache", "cva", "vasculitis", "arthritis", "myositis", "urinary_casts", "haematuria", "pyuria",
            "pleurisy", "pericarditis", "low_complement", "increased_dna_binding", "fever", "thrombocytopenia",
            "leukopenia")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: a scratch SQLite file)")
    parser.add_argument("--show", action="store_true", help="print every statement's first line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.url or f"sqlite:///{Path(scratch) / 'statements.sqlite'}"
        statements = count_submission(url)
    kinds = Counter(s.split(None, 1)[0].upper() for s in statements)
    print(f"statements per submission: {len(statements)} ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})")
    if args.show:
        for s in statements:
            print("  " + " ".join(s.split())[:150])


def count_submission(url: str) -> list[str]:
    """The statements of one SELENA-SLEDAI submission at a fresh subject's screening visit."""
    prepare_database(url)
    catalog = load_catalog(config.project_root() / "forms")
    engine = make_engine(url)
    ensure_demo_accounts(engine, catalog, datetime.now(UTC))
    seen: list[str] = []
    with TestClient(app=create_app(engine, catalog)) as client:
        token = client.post("/api/v1/auth/token",
                            json={"username": "investigator", "password": DEMO_PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        base = f"/api/v1/studies/{STUDY}/subjects"
        screened = client.post(base, json={"site": "01", "cohort": "SLE", "screened_on": "2026-03-01"}, headers=headers)
        assert screened.status_code == 201, screened.text
        subject = screened.json()

        def record(*args: Any) -> None:
            seen.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", record)
        answer = client.post(f"{base}/{subject['subject_number']}/visits/SCR/1/forms/sledai",
                             json=_sledai(), headers=headers)
        event.remove(engine, "before_cursor_execute", record)
        assert answer.status_code == 201, answer.text
    engine.dispose()
    return seen


def _sledai() -> dict[str, object]:
    payload: dict[str, object] = {"sledai_dat": "2026-03-02"}
    payload.update({name: n % 7 == 0 for n, name in enumerate(BOOLEANS)})
    payload.update({"proteinuria": "NEW", "rash": "PERSISTENT", "alopecia": "ABSENT", "mucosal_ulcers": "RECURRENT"})
    return payload


if __name__ == "__main__":
    main()
