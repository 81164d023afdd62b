"""The generic payload generator: a valid, internally consistent payload for every form of every trial."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from demo_env import DemoEnv, demo_env

from edc.app.kernel.lookups import visit_by_id
from edc.app.records.service import forms_at_visit, submit_record
from edc.app.subjects.service import screen_subject
from edc.app.visits.service import add_unscheduled_visit, schedule_visits
from edc.capture.payload import parse_payload
from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.model import Form
from edc.definitions.vocabulary import LOGS_VISIT, UNSCHEDULED_VISIT
from edc.demo import generate_payload
from edc.rules.calculate import applicable, calculate
from edc.rules.checks import run_checks

ON = date(2025, 6, 2)
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
SEEDS = range(25)


def every_form(catalog: Catalog) -> Iterator[tuple[StudyDefinition, Form]]:
    for study in catalog.studies.values():
        for form in study.forms.values():
            yield study, form


def test_payloads_parse_without_errors_and_raise_no_error_findings(catalog: Catalog) -> None:
    """Validated as the capture service does: skip logic on the parsed values, then parse, calculate, check."""
    for study, form in every_form(catalog):
        for seed in SEEDS:
            payload = generate_payload(study, form.id, random.Random(seed), on=ON)
            undecided: dict[str, bool | None] = {item.name: None for item in form.items}
            first = parse_payload(form, study.codelists, payload, undecided)
            parsed = parse_payload(form, study.codelists, payload, applicable(form, first.values, study.codelists))
            assert parsed.ok, (study.id, form.id, seed, parsed.errors)
            values = {**parsed.values, **calculate(form, study.codelists, parsed.values)}
            errors = [f.check_id for f in run_checks(form, values, study.codelists) if f.severity == "error"]
            assert errors == [], (study.id, form.id, seed, errors)


def test_payloads_follow_the_definition(catalog: Catalog) -> None:
    """No calculated or skipped item is sent, required items are, and the same seed gives the same payload."""
    study = catalog.study("cnct19")
    for form in study.forms.values():
        payload = generate_payload(study, form.id, random.Random(3), on=ON)
        assert payload == generate_payload(study, form.id, random.Random(3), on=ON)
        assert not {item.name for item in form.items if item.is_calculated} & payload.keys()
        verdicts = applicable(form, parse_payload(form, study.codelists, payload, {}).values, study.codelists)
        assert all(verdicts[name] is not False for name in payload), form.id
        required = {i.name for i in form.items if i.required and not i.is_calculated and verdicts[i.name] is True}
        assert required <= payload.keys(), form.id


def test_given_values_are_kept_and_fitted(catalog: Catalog) -> None:
    study = catalog.study("ic19")
    payload = generate_payload(study, "vital_signs", random.Random(1), on=ON,
                               values={"sysbp": 131.6, "temp": 38.04, "oxysat": None})
    assert payload["sysbp"] == 132 and payload["temp"] == 38.0 and "oxysat" not in payload
    event = generate_payload(study, "adverse_events", random.Random(1), on=ON, values={"aecat": "OTHER"})
    assert not any(name.startswith(("crs_", "ice_", "icans_")) for name in event)


@pytest.fixture
def env(db_url: str, catalog: Catalog) -> Iterator[DemoEnv]:
    env = demo_env(db_url, catalog)
    yield env
    env.engine.dispose()


def test_every_form_of_every_trial_is_accepted_by_submit_record(env: DemoEnv, catalog: Catalog) -> None:
    """One subject per cohort of each trial; each form submitted at a visit that collects it for the cohort,
    generic payload, no error; every form of the trial is submitted for some cohort."""
    for study in catalog.studies.values():
        submitted: set[str] = set()
        for cohort in [c.id for c in study.spec.cohorts] or [None]:
            submitted |= _submit_every_form(env, study, cohort)
        assert submitted == set(study.forms), study.id


def _submit_every_form(env: DemoEnv, study: StudyDefinition, cohort: str | None) -> set[str]:
    site = study.spec.sites[0].id
    actor = env.actor_for(study.id, site)
    with env.engine.begin() as conn:
        subject = screen_subject(conn, study=study, site_code=site, cohort=cohort, screened_on=ON, actor=actor,
                                 now=NOW)
        visits = {v.visit_code: v.visit_id for v in schedule_visits(
            conn, study=study, subject_id=subject.subject_id, infusion_date=ON, actor=actor, now=NOW)}
        visits[LOGS_VISIT] = subject.logs_visit_id
        visits[UNSCHEDULED_VISIT] = add_unscheduled_visit(conn, study=study, subject_id=subject.subject_id,
                                                          visit_date=ON, actor=actor, now=NOW).visit_id
        submitted: set[str] = set()
        for code, visit_id in visits.items():
            # a form referring to another (the DLT assessment to its AE) after the one it refers to
            for form_id in sorted(set(forms_at_visit(study, code, cohort)) - submitted,
                                  key=lambda f: any(i.refers_to for i in study.forms[f].items)):
                payload = generate_payload(study, form_id, random.Random(form_id), on=ON)
                visit = visit_by_id(conn, study_id=study.id, visit_id=visit_id, actor=actor)
                submit_record(conn, study=study, visit=visit, form_id=form_id, payload=payload, actor=actor,
                              now=NOW)
                submitted.add(form_id)
    return submitted
