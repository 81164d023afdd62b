"""`edc users add` and `edc users list`, through click's CliRunner against a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result
from core_rows import insert_core_rows
from migrated import migrated
from sqlalchemy import func, select, update

from edc.app.access.service import login
from edc.cli import main
from edc.db.core import RoleAssignment, User
from edc.db.engine import make_engine

PASSWORD = "correct horse battery staple"


@pytest.fixture
def url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with study `mini` and its site 01, named by EDC_DATABASE_URL."""
    monkeypatch.setenv("EDC_ARGON2_PROFILE", "test")
    monkeypatch.setenv("EDC_DATABASE_URL", db_url)
    migrated(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        insert_core_rows(conn)
    engine.dispose()
    return db_url


def users(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["users", *args], input=stdin)


def add(username: str, *grants: str, password: str = PASSWORD) -> Result:
    options = [f"--grant={g}" for g in grants]
    return users("add", username, "--full-name", username.title(), *options, "--password-stdin",
                 stdin=password + "\n")


def user_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(User)).scalar_one())
    engine.dispose()
    return count


def test_add_creates_a_user_who_can_log_in(url: str) -> None:
    result = add("mo", "monitor:mini", "investigator:mini:01", "safety_reviewer")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("created user mo (id 2) with grants monitor:mini, investigator:mini:01, "
                                    "safety_reviewer")
    engine = make_engine(url)
    with engine.begin() as conn:
        assert login(conn, username="mo", password=PASSWORD, now=datetime.now(UTC), address="192.0.2.1").ok
        roles = conn.execute(select(RoleAssignment.role).where(RoleAssignment.user_id == 2)).scalars().all()
    engine.dispose()
    assert sorted(roles) == ["investigator", "monitor", "safety_reviewer"]


def test_add_prompts_twice_for_a_hidden_password(url: str) -> None:
    result = users("add", "ann", "--full-name", "Ann", "--grant", "monitor:mini", "--email", "ann@example.org",
                   stdin=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output and PASSWORD not in result.output
    assert "created user ann" in result.stdout


@pytest.mark.parametrize(("grant", "message"), [
    ("sponsor:mini", "unknown role 'sponsor'"),
    ("monitor:nope", "unknown study 'nope'"),
    ("investigator:mini:09", "study 'mini' has no site '09'"),
    ("coordinator:mini", "site staff (coordinator) must be granted a study and a site"),
    ("monitor:mini:01:extra", "grant 'monitor:mini:01:extra' is not ROLE[:STUDY[:SITE]]"),
    ("monitor::01", "is not ROLE[:STUDY[:SITE]]"),
])
def test_a_bad_grant_exits_1_with_a_message(url: str, grant: str, message: str) -> None:
    result = add("bob", grant)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output
    assert user_count(url) == 1


def test_a_short_password_exits_1(url: str) -> None:
    result = add("bob", "monitor:mini", password="too short")
    assert result.exit_code == 1 and "at least 12 characters" in result.stderr


def test_a_taken_username_exits_1(url: str) -> None:
    assert add("bob", "monitor:mini").exit_code == 0
    again = add("bob", "data_manager:mini")
    assert again.exit_code == 1 and again.stderr == "error: username 'bob' is taken\n"
    assert user_count(url) == 2


def test_a_grant_is_required(url: str) -> None:
    result = users("add", "bob", "--full-name", "Bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 2 and "--grant" in result.output


def test_an_unreachable_database_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDC_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = add("bob", "monitor")
    assert result.exit_code == 1 and result.stderr.startswith("error:")


def test_list_shows_grants_and_state(url: str) -> None:
    add("bob", "monitor:mini")
    add("cy", "investigator:mini:01")
    engine = make_engine(url)
    with engine.begin() as conn:
        for _ in range(5):  # the fifth failure makes the next login wait 1 second
            assert not login(conn, username="cy", password="wrong password", now=datetime.now(UTC) + timedelta(
                minutes=10), address="192.0.2.1").ok
        conn.execute(update(User).where(User.username == "inv").values(is_active=False))
    engine.dispose()
    result = users("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "bob\tBob\tmonitor:mini\tactive"
    assert lines[1].startswith("cy\tCy\tinvestigator:mini:01\tactive, logins throttled until ")
    assert lines[2] == "inv\tInvestigator\tno grants\tinactive"
    assert lines[3] == "3 user(s)"
