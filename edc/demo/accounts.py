"""Demo accounts: one user per role with grants in every study, for trying the service out.

`edc serve --demo` creates them on first start (never in a database that
already has them) and prints their names and the shared demo password. Site
roles get a grant at every site of every study, so the demo investigator can
open any demo subject. They are demo accounts: a database meant for a trial
is never started with `--demo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select

from edc.app.access.service import GrantSpec, create_user
from edc.app.kernel.permissions import SITE_ROLES
from edc.db.core import User
from edc.db.engine import WRITE
from edc.definitions.catalog import Catalog

DEMO_PASSWORD = "demo password, not for trials"


@dataclass(frozen=True)
class DemoAccount:
    """A demo user: the username and the role it holds in every study."""

    username: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("investigator", "investigator"),
    DemoAccount("coordinator", "coordinator"),
    DemoAccount("datamanager", "data_manager"),
    DemoAccount("monitor", "monitor"),
    DemoAccount("safety", "safety_reviewer"),
    DemoAccount("admin", "administrator"),
)

#: The account the demo data is entered as (site staff, so every write is one site staff may make).
DEMO_DATA_ENTRY = "investigator"


def ensure_demo_accounts(engine: Engine, catalog: Catalog, now: datetime) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; return the ones created."""
    created: list[DemoAccount] = []
    with engine.execution_options(**WRITE).begin() as conn:
        existing = set(conn.execute(select(User.username)).scalars())
        for account in DEMO_ACCOUNTS:
            if account.username in existing:
                continue
            create_user(conn, username=account.username, full_name=f"Demo {account.role.replace('_', ' ')}",
                        password=DEMO_PASSWORD, grants=_grants(account.role, catalog), now=now)
            created.append(account)
    return created


def _grants(role: str, catalog: Catalog) -> list[GrantSpec]:
    if role not in SITE_ROLES:
        return [GrantSpec(role)]
    return [GrantSpec(role, study.id, site.id) for study in catalog.studies.values() for site in study.spec.sites]
