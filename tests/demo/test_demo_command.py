"""The `demo` click command on a real database (as the runtime role on PostgreSQL): one trial populated as an
existing user, then skipped."""

from __future__ import annotations

from backends import runtime_url
from click.testing import CliRunner
from demo_env import demo_env

from edc.definitions.catalog import Catalog
from edc.demo.command import demo_command


def test_demo_command_populates_once_then_skips(db_url: str, catalog: Catalog) -> None:
    demo_env(db_url, catalog).engine.dispose()
    args = ["--url", runtime_url(db_url), "--user", "inv", "--study", "ic19", "--today", "2026-03-01"]
    first = CliRunner().invoke(demo_command, args)
    assert first.exit_code == 0, first.output
    assert first.output.startswith("ic19: 6 subjects (1 screen failures)")
    again = CliRunner().invoke(demo_command, args)
    assert again.exit_code == 0 and "ic19: skipped (already has 6 subject(s)" in again.output


def test_demo_command_refuses_unknown_users_and_studies(db_url: str, catalog: Catalog) -> None:
    demo_env(db_url, catalog).engine.dispose()
    nobody = CliRunner().invoke(demo_command, ["--url", db_url, "--user", "nobody"])
    assert nobody.exit_code != 0 and "no user 'nobody'" in nobody.output
    unknown = CliRunner().invoke(demo_command, ["--url", db_url, "--user", "inv", "--study", "nope"])
    assert unknown.exit_code != 0 and "unknown study: nope" in unknown.output
