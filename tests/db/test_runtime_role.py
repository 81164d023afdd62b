"""The PostgreSQL runtime role cannot rewrite history: what `edc db upgrade` grants it, and what it refuses.

The server's role (`backends.RUNTIME_URL`) may append to the audit trail through the application but not
change, delete, truncate or un-trigger it, and owns nothing; `edc serve` as that role refuses a database its
owner has not upgraded. One database for the module, upgraded for real by `prepare_database`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from backends import POSTGRES_ONLY, RUNTIME_ROLE, runtime_url, scratch_database
from click.testing import CliRunner
from litestar.testing import TestClient
from migrated import migrated
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from edc.api.app import create_app
from edc.app.access.service import GrantSpec, create_user
from edc.audit.verify import verify
from edc.cli.serve import serve
from edc.db import migrate
from edc.db.engine import make_engine
from edc.db.roles import RuntimeRoleError, grant_runtime_role, owned_tables, privileges
from edc.db.schema import build_metadata
from edc.db.trail import AuditEvent
from edc.definitions.catalog import Catalog
from edc.serve import prepare_database, start_database

PASSWORD = "correct horse battery staple"

#: What an owner could do to the trail, and the runtime role must not (each refused for want of privilege).
REWRITES = [
    "UPDATE audit_events SET reason = 'rewritten'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "DROP TABLE audit_events",
    "ALTER TABLE audit_events OWNER TO CURRENT_USER",
    "CREATE TRIGGER hide AFTER INSERT ON audit_events EXECUTE FUNCTION audit_refuse_change()",
    "UPDATE audit_chain_head SET id = 2",
    "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 1)",
]


@pytest.fixture(scope="module")
def owner_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POSTGRES_ONLY:
        pytest.skip("PostgreSQL only (EDC_TEST_POSTGRES_URL): SQLite has no roles")
    for url in scratch_database("postgresql", tmp_path_factory.mktemp("role")):
        prepare_database(url)  # the migrations for real, granting EDC_RUNTIME_ROLE (set for the session)
        yield url


@pytest.fixture(scope="module")
def runtime(owner_url: str) -> Iterator[Engine]:
    engine = make_engine(runtime_url(owner_url))
    yield engine
    engine.dispose()


def sqlstate(engine: Engine, statement: str) -> str | None:
    """The SQLSTATE `statement` fails with as the engine's role (rolled back), None if it succeeds."""
    with engine.connect() as conn:
        try:
            conn.execute(text(statement))
        except DBAPIError as exc:
            return str(getattr(exc.orig, "sqlstate", None))
        finally:
            conn.rollback()
    return None


@pytest.mark.parametrize("statement", REWRITES)
def test_the_runtime_role_cannot_rewrite_the_trail(runtime: Engine, statement: str) -> None:
    assert sqlstate(runtime, statement) == "42501"  # insufficient_privilege (not merely a trigger's refusal)


def test_the_audit_table_grants_are_select_and_insert_only(runtime: Engine) -> None:
    with runtime.connect() as conn:
        held = {p: conn.execute(text("SELECT has_table_privilege('audit_events', :p)"), {"p": p}).scalar_one()
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")}
        column_update = conn.execute(text("SELECT has_any_column_privilege('audit_events', 'UPDATE')")).scalar()
    assert held == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False, "TRUNCATE": False,
                    "REFERENCES": False, "TRIGGER": False}
    assert column_update is False


def test_the_runtime_role_owns_nothing_and_is_not_a_member_of_the_owner(runtime: Engine, owner_url: str) -> None:
    owner = make_engine(owner_url)
    with owner.connect() as conn:
        owner_name = conn.execute(text("SELECT current_user")).scalar_one()
        assert owned_tables(conn)  # the test can tell an owner
    owner.dispose()
    with runtime.connect() as conn:
        assert owned_tables(conn) == []
        objects = conn.execute(text(
            "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid) "
            "+ (SELECT count(*) FROM pg_proc WHERE proowner = r.oid) "
            "+ (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) "
            "FROM pg_roles r WHERE r.rolname = current_user")).scalar_one()
        assert objects == 0
        assert conn.execute(text("SELECT pg_has_role(current_user, :owner, 'MEMBER')"),
                            {"owner": owner_name}).scalar_one() is False


def test_the_application_appends_to_the_trail_as_the_runtime_role(runtime: Engine, catalog: Catalog,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")
    with runtime.begin() as conn:
        assert conn.execute(text("SELECT current_user")).scalar_one() == RUNTIME_ROLE
        create_user(conn, username="inv01", full_name="Inv", password=PASSWORD,
                    grants=[GrantSpec("investigator", "relmacel", "01")], now=datetime.now(UTC))
        before = conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    with TestClient(create_app(runtime, catalog)) as client:
        login = client.post("/api/v1/auth/token", json={"username": "inv01", "password": PASSWORD})
        assert login.status_code == 201, login.text
        screened = client.post("/api/v1/studies/relmacel/subjects", json={
            "site": "01", "cohort": "SLE", "screened_on": "2026-03-02"},
            headers={"Authorization": f"Bearer {login.json()['token']}"})
        assert screened.status_code == 201, screened.text
    with runtime.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditEvent)).scalar_one() > before + 1
        assert verify(conn).ok


def test_an_upgrade_takes_back_a_privilege_granted_by_hand(owner_url: str, runtime: Engine) -> None:
    owner = make_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(text(f"GRANT DELETE ON audit_events TO {RUNTIME_ROLE}"))
        conn.execute(text("GRANT UPDATE ON audit_events TO PUBLIC"))
    owner.dispose()
    assert sqlstate(runtime, "DELETE FROM audit_events WHERE id < 0") is None  # granted by hand...
    assert sqlstate(runtime, "UPDATE audit_events SET reason = reason WHERE id < 0") is None
    migrate.upgrade(owner_url)  # at head already: only the grants are applied again
    assert sqlstate(runtime, "DELETE FROM audit_events WHERE id < 0") == "42501"  # ...and taken back
    assert sqlstate(runtime, "UPDATE audit_events SET reason = reason WHERE id < 0") == "42501"
    assert sqlstate(runtime, "SELECT count(*) FROM crf_relmacel_vital_signs") is None  # the rest stays


def test_every_table_of_the_schema_has_its_grants_decided(catalog: Catalog) -> None:
    tables = [*build_metadata(catalog).tables, "alembic_version"]
    assert [table for table in tables if not privileges(table)] == []


def test_an_upgrade_refuses_a_runtime_role_as_powerful_as_the_owner(owner_url: str) -> None:
    owner = make_engine(owner_url)
    with owner.connect() as conn:
        with pytest.raises(RuntimeRoleError, match="owner"):
            grant_runtime_role(conn, str(conn.execute(text("SELECT current_user")).scalar_one()))
        with pytest.raises(RuntimeRoleError, match="does not exist"):
            grant_runtime_role(conn, "edc_no_such_role")
    owner.dispose()


def test_serve_as_the_runtime_role_checks_the_schema_and_warns_an_owner(owner_url: str) -> None:
    assert start_database(runtime_url(owner_url)) == []
    warning = start_database(owner_url)
    assert len(warning) == 1 and "owns" in warning[0] and "EDC_RUNTIME_ROLE" in warning[0]


@pytest.mark.parametrize("db_url", POSTGRES_ONLY, indirect=True)
def test_serve_refuses_a_database_its_owner_has_not_upgraded(db_url: str) -> None:
    empty = CliRunner().invoke(serve, ["--url", runtime_url(db_url)])
    assert empty.exit_code == 1
    assert "no revision (empty)" in empty.output and "run 'edc db upgrade' as the owner" in empty.output
    migrated(db_url)  # at head, but the definitions are not registered
    unregistered = CliRunner().invoke(serve, ["--url", runtime_url(db_url)])
    assert unregistered.exit_code == 1
    assert "is not registered" in unregistered.output and "Traceback" not in unregistered.output
