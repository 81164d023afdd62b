"""Who may do what: the six roles, their permissions, and the actor a user acts as in one study.

A user holds grants: a role, in one study (or every study, `study_id` None),
optionally restricted to one site. Permission is denied by default: a role
holds only the permissions listed below, an unknown role none at all.

| permission         | investigator | coordinator | data_manager | monitor | safety_reviewer | administrator |
|--------------------|:------------:|:-----------:|:------------:|:-------:|:---------------:|:-------------:|
| study.read         | yes          | yes         | yes          | yes     | yes             | yes           |
| subject.read       | yes          | yes         | yes          | yes     | yes             |               |
| subject.screen     | yes          | yes         |              |         |                 |               |
| subject.enrol      | yes          |             |              |         |                 |               |
| visit.write        | yes          | yes         |              |         |                 |               |
| record.read        | yes          | yes         | yes          | yes     | yes             |               |
| record.write       | yes          | yes         |              |         |                 |               |
| eligibility.read   | yes          | yes         | yes          | yes     | yes             |               |
| eligibility.decide | yes          |             |              |         |                 |               |
| audit.read         | yes          | yes         | yes          | yes     |                 |               |
| query.open         |              |             | yes          | yes     |                 |               |
| query.answer       | yes          | yes         |              |         |                 |               |
| sdv.mark           |              |             |              | yes     |                 |               |
| record.sign        | yes          |             |              |         |                 |               |
| lock.manage        |              |             | yes          |         |                 |               |
| export.run         |              |             | yes          |         |                 |               |
| record.import      |              |             | yes          |         |                 |               |
| coding.manage      |              |             | yes          |         |                 |               |
| escalation.read    | yes          | yes         | yes          | yes     | yes             |               |
| casebook.read      | yes          |             | yes          | yes     | yes             |               |
| dlt.adjudicate     |              |             |              |         | yes             |               |
| committee.decide   |              |             |              |         | yes             |               |
| user.admin         |              |             |              |         |                 | yes           |

Site staff (investigators, coordinators) enter data at their sites and answer
queries; only investigators decide eligibility, enrol (enrolment confirms
eligibility) and sign. Monitors read, verify source data and raise queries,
never write data. Data managers read, raise queries, lock and export, and
code the verbatim terms (MedDRA, WHODrug), never enter clinical data; they
import it from another system's ODM file (each value attributed to them and
the file in the audit trail), within their sites.
Safety reviewers read and adjudicate DLTs and decide for the escalation
committee. Investigators, data managers, monitors and safety reviewers review
a subject's casebook (its audit history included, so a safety reviewer, who
does not browse the audit trail, reads a subject's through its casebook).
Administrators manage users and see the study definition, no
clinical data.

Investigator and coordinator grants always name a site; other roles may. What
covers every site needs a study-wide grant whatever the role allows: a study
lock, a whole-study export, the study's coding dictionaries and the
committee's decision on the dose escalation (a site-restricted safety
reviewer adjudicates its sites' events).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Forbidden
from edc.definitions.vocabulary import ROLES

INVESTIGATOR, COORDINATOR, DATA_MANAGER, MONITOR, SAFETY_REVIEWER, ADMINISTRATOR = ROLES
#: Roles whose grants must name a site: site staff act only at their own sites.
SITE_ROLES = frozenset({INVESTIGATOR, COORDINATOR})


class Permission(StrEnum):
    """One kind of action a service call needs permission for."""

    STUDY_READ = "study.read"
    SUBJECT_READ = "subject.read"
    SUBJECT_SCREEN = "subject.screen"
    SUBJECT_ENROL = "subject.enrol"
    VISIT_WRITE = "visit.write"
    RECORD_READ = "record.read"
    RECORD_WRITE = "record.write"
    ELIGIBILITY_READ = "eligibility.read"
    ELIGIBILITY_DECIDE = "eligibility.decide"
    AUDIT_READ = "audit.read"
    QUERY_OPEN = "query.open"
    QUERY_ANSWER = "query.answer"
    SDV_MARK = "sdv.mark"
    RECORD_SIGN = "record.sign"
    LOCK_MANAGE = "lock.manage"
    EXPORT_RUN = "export.run"
    RECORD_IMPORT = "record.import"
    CODING_MANAGE = "coding.manage"
    ESCALATION_READ = "escalation.read"
    DLT_ADJUDICATE = "dlt.adjudicate"
    COMMITTEE_DECIDE = "committee.decide"
    USER_ADMIN = "user.admin"
    CASEBOOK_READ = "casebook.read"


_P = Permission
_READ_CLINICAL = frozenset({_P.STUDY_READ, _P.SUBJECT_READ, _P.RECORD_READ, _P.ELIGIBILITY_READ, _P.ESCALATION_READ})
_SITE_ENTRY = _READ_CLINICAL | {_P.SUBJECT_SCREEN, _P.VISIT_WRITE, _P.RECORD_WRITE, _P.QUERY_ANSWER, _P.AUDIT_READ}

#: Role -> the permissions it holds; anything not listed is refused.
ROLE_PERMISSIONS: Mapping[str, frozenset[Permission]] = MappingProxyType({
    INVESTIGATOR: _SITE_ENTRY | {_P.ELIGIBILITY_DECIDE, _P.SUBJECT_ENROL, _P.RECORD_SIGN, _P.CASEBOOK_READ},
    COORDINATOR: _SITE_ENTRY,
    DATA_MANAGER: _READ_CLINICAL | {_P.AUDIT_READ, _P.QUERY_OPEN, _P.LOCK_MANAGE, _P.EXPORT_RUN, _P.CODING_MANAGE,
                                     _P.CASEBOOK_READ, _P.RECORD_IMPORT},
    MONITOR: _READ_CLINICAL | {_P.AUDIT_READ, _P.QUERY_OPEN, _P.SDV_MARK, _P.CASEBOOK_READ},
    SAFETY_REVIEWER: _READ_CLINICAL | {_P.DLT_ADJUDICATE, _P.COMMITTEE_DECIDE, _P.CASEBOOK_READ},
    ADMINISTRATOR: frozenset({_P.STUDY_READ, _P.USER_ADMIN}),
})


def permissions_of(role: str) -> frozenset[Permission]:
    """The permissions of `role`; none for a role this module does not know."""
    return ROLE_PERMISSIONS.get(role, frozenset())


def may(role: str, permission: Permission) -> bool:
    """True when `role` holds `permission` (deny by default)."""
    return permission in permissions_of(role)


@dataclass(frozen=True)
class Grant:
    """A role held in one study (None: every study), optionally restricted to one site of it."""

    role: str
    study_id: str | None
    site_id: int | None

    def __post_init__(self) -> None:
        if self.site_id is not None and self.study_id is None:
            raise ValueError("a grant restricted to a site must name the site's study")
        if self.role in SITE_ROLES and self.site_id is None:
            raise ValueError(f"site staff ({self.role}) must be granted a site")

    def applies_to(self, study_id: str) -> bool:
        return self.study_id is None or self.study_id == study_id


@dataclass(frozen=True)
class Principal:
    """An authenticated user and every grant they hold."""

    user_id: int
    username: str
    full_name: str
    grants: tuple[Grant, ...]


def actor_for(principal: Principal, study_id: str, permission: Permission) -> Actor:
    """The actor `principal` is when doing something that needs `permission` in `study_id`.

    Of the grants that apply to the study and whose role holds the
    permission, the acting role is that of a grant without site restriction
    if any (else the first by role name); the actor sees every site when
    any such grant is unrestricted, else the union of their sites. Raises
    `Forbidden` when no grant applies.
    """
    applying = [g for g in principal.grants if g.applies_to(study_id) and may(g.role, permission)]
    if not applying:
        raise Forbidden(f"user '{principal.username}' has no role allowing {permission} in study '{study_id}'")
    chosen = min(applying, key=lambda g: (g.site_id is not None, g.role, g.site_id or 0))
    if any(g.site_id is None for g in applying):
        return Actor(user_id=principal.user_id, role=chosen.role, site_ids=None)
    sites = frozenset(g.site_id for g in applying if g.site_id is not None)
    return Actor(user_id=principal.user_id, role=chosen.role, site_ids=sites)


def studies_visible(principal: Principal, study_ids: Iterable[str]) -> list[str]:
    """Those of `study_ids` (in their order) the principal may read."""
    return [s for s in study_ids if _holds(principal.grants, s, Permission.STUDY_READ)]


def _holds(grants: Sequence[Grant], study_id: str, permission: Permission) -> bool:
    return any(g.applies_to(study_id) and may(g.role, permission) for g in grants)
