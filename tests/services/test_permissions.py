"""The role/permission matrix, cell by cell, and the actor a principal becomes in a study (site scoping)."""

from __future__ import annotations

import pytest

from edc.app.kernel.actor import Actor
from edc.app.kernel.errors import Forbidden
from edc.app.kernel.permissions import (
    ROLE_PERMISSIONS,
    Grant,
    Permission,
    Principal,
    actor_for,
    may,
    permissions_of,
    studies_visible,
)
from edc.db.core import ROLES

#: The expected matrix, written out independently of the module: X = allowed.
#: Columns: investigator, coordinator, data_manager, monitor, safety_reviewer, administrator.
EXPECTED = """
study.read          X X X X X X
subject.read        X X X X X .
subject.screen      X X . . . .
subject.enrol       X . . . . .
visit.write         X X . . . .
record.read         X X X X X .
record.write        X X . . . .
eligibility.read    X X X X X .
eligibility.decide  X . . . . .
audit.read          X X X X . .
query.open          . . X X . .
query.answer        X X . . . .
sdv.mark            . . . X . .
record.sign         X . . . . .
lock.manage         . . X . . .
export.run          . . X . . .
record.import       . . X . . .
coding.manage       . . X . . .
escalation.read     X X X X X .
dlt.adjudicate      . . . . X .
committee.decide    . . . . X .
user.admin          . . . . . X
casebook.read       X . X X X .
"""
COLUMNS = ("investigator", "coordinator", "data_manager", "monitor", "safety_reviewer", "administrator")


def expected_cells() -> list[tuple[str, str, bool]]:
    cells = []
    for line in EXPECTED.strip().splitlines():
        permission, *marks = line.split()
        cells += [(role, permission, mark == "X") for role, mark in zip(COLUMNS, marks, strict=True)]
    return cells


@pytest.mark.parametrize(("role", "permission", "allowed"), expected_cells())
def test_each_role_holds_exactly_its_permissions(role: str, permission: str, allowed: bool) -> None:
    assert may(role, Permission(permission)) is allowed
    assert (Permission(permission) in ROLE_PERMISSIONS[role]) is allowed


def test_the_table_covers_every_role_and_permission() -> None:
    assert set(COLUMNS) == set(ROLES) == set(ROLE_PERMISSIONS)
    listed = {line.split()[0] for line in EXPECTED.strip().splitlines()}
    assert listed == {p.value for p in Permission}


@pytest.mark.parametrize("role", ["superuser", "", "Investigator", "sponsor"])
def test_an_unknown_role_holds_nothing(role: str) -> None:
    assert permissions_of(role) == frozenset()
    assert not any(may(role, p) for p in Permission)
    with pytest.raises(Forbidden):
        actor_for(principal(Grant(role, "s1", None)), "s1", Permission.STUDY_READ)


def test_the_matrix_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        ROLE_PERMISSIONS["monitor"] = frozenset(Permission)  # type: ignore[index]


def principal(*grants: Grant) -> Principal:
    return Principal(user_id=7, username="u", full_name="U", grants=grants)


def test_site_staff_act_only_at_their_sites() -> None:
    who = principal(Grant("investigator", "s1", 1), Grant("investigator", "s1", 3))
    assert actor_for(who, "s1", Permission.RECORD_WRITE) == Actor(7, "investigator", frozenset({1, 3}))
    with pytest.raises(Forbidden, match=r"record\.write in study 's2'"):
        actor_for(who, "s2", Permission.RECORD_WRITE)


def test_a_role_without_the_permission_is_refused_even_with_others_that_apply() -> None:
    who = principal(Grant("coordinator", "s1", 1), Grant("monitor", "s1", None))
    with pytest.raises(Forbidden):
        actor_for(who, "s1", Permission.ELIGIBILITY_DECIDE)
    assert actor_for(who, "s1", Permission.RECORD_WRITE) == Actor(7, "coordinator", frozenset({1}))
    assert actor_for(who, "s1", Permission.SDV_MARK) == Actor(7, "monitor", None)


def test_an_unrestricted_grant_is_preferred_and_widens_the_sites() -> None:
    who = principal(Grant("coordinator", "s1", 2), Grant("data_manager", "s1", None))
    assert actor_for(who, "s1", Permission.RECORD_READ) == Actor(7, "data_manager", None)


def test_restricted_grants_pick_the_first_role_by_name_and_join_their_sites() -> None:
    who = principal(Grant("monitor", "s1", 2), Grant("investigator", "s1", 1), Grant("monitor", "s2", None))
    assert actor_for(who, "s1", Permission.RECORD_READ) == Actor(7, "investigator", frozenset({1, 2}))
    assert actor_for(who, "s2", Permission.RECORD_READ) == Actor(7, "monitor", None)


def test_a_grant_without_study_applies_to_every_study() -> None:
    who = principal(Grant("safety_reviewer", None, None))
    for study in ("s1", "s2"):
        assert actor_for(who, study, Permission.DLT_ADJUDICATE) == Actor(7, "safety_reviewer", None)
    assert studies_visible(who, ["s2", "s1"]) == ["s2", "s1"]


def test_studies_visible_lists_the_granted_studies_in_the_given_order() -> None:
    who = principal(Grant("investigator", "s3", 4), Grant("administrator", "s1", None))
    assert studies_visible(who, ["s1", "s2", "s3"]) == ["s1", "s3"]
    assert studies_visible(principal(), ["s1"]) == []
    assert studies_visible(principal(Grant("sponsor", None, None)), ["s1"]) == []


def test_no_grants_means_no_access() -> None:
    with pytest.raises(Forbidden):
        actor_for(principal(), "s1", Permission.STUDY_READ)


@pytest.mark.parametrize("role", ["investigator", "coordinator"])
def test_site_staff_grants_must_name_a_site(role: str) -> None:
    with pytest.raises(ValueError, match="must be granted a site"):
        Grant(role, "s1", None)
    with pytest.raises(ValueError, match="must be granted a site"):
        Grant(role, None, None)


def test_a_site_needs_its_study() -> None:
    with pytest.raises(ValueError, match="study"):
        Grant("monitor", None, 1)
