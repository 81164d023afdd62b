"""`edc users add|list`: user accounts and their role grants."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from edc import config
from edc.cli.common import run, run_service, url_option, write_transaction

if TYPE_CHECKING:

    from edc.app.access.service import GrantSpec


@click.group()
def users() -> None:
    """User accounts and their role grants."""


@users.command("add")
@click.argument("username")
@click.option("--full-name", required=True, help="The person's full name.")
@click.option("--grant", "grants", multiple=True, required=True, metavar="ROLE[:STUDY[:SITE]]",
              help="A role, optionally in one study and at one site code (repeatable), e.g. investigator:ic19:01.")
@click.option("--email", default=None, help="The person's email address.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@url_option
def users_add(username: str, full_name: str, grants: tuple[str, ...], email: str | None, password_stdin: bool,
              url: str | None) -> None:
    """Create user USERNAME with the given grants (asks for the password twice, hidden, unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    created: list[int] = []

    def add() -> None:
        from edc.app.access.service import create_user

        specs = [_parse_grant(text) for text in grants]
        with write_transaction(url) as conn:
            created.append(create_user(conn, username=username, full_name=full_name, password=password,
                                       grants=specs, now=datetime.now(UTC), email=email))

    run_service(add)
    click.echo(f"created user {username} (id {created[0]}) with grants {', '.join(grants)}")


@users.command("list")
@url_option
def users_list(url: str | None) -> None:
    """List every user: username, name, grants, whether active and until when new logins wait after failures."""
    from edc.app.access.service import UserSummary, list_users
    from edc.db.engine import make_engine

    found: list[UserSummary] = []

    def read() -> None:
        engine = make_engine(url or config.database_url())
        try:
            with engine.connect() as conn:
                found.extend(list_users(conn))
        finally:
            engine.dispose()

    run(read)
    now = datetime.now(UTC)
    for user in found:
        status = "inactive" if not user.is_active else "active"
        if user.is_active and user.throttled_until is not None and user.throttled_until > now:
            status = f"active, logins throttled until {user.throttled_until:%Y-%m-%d %H:%M:%S}Z"
        grants = ", ".join(str(g) for g in user.grants) or "no grants"
        click.echo(f"{user.username}\t{user.full_name}\t{grants}\t{status}")
    click.echo(f"{len(found)} user(s)")


def _parse_grant(text: str) -> GrantSpec:
    """`ROLE[:STUDY[:SITE]]` as a grant; `InvalidInput` when it has more parts or an empty one."""
    from edc.app.access.service import GrantSpec
    from edc.app.kernel.errors import InvalidInput

    parts = text.split(":")
    if len(parts) > 3 or any(not p.strip() for p in parts):
        raise InvalidInput(f"grant '{text}' is not ROLE[:STUDY[:SITE]]")
    role, study, site = (*parts, None, None)[:3]
    return GrantSpec(role=str(role), study_id=study, site_code=site)
