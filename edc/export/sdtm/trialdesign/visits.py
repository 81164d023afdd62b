"""TV, Trial Visits: one row per scheduled visit, VISITDY the SDTM study day of the protocol day."""

from __future__ import annotations

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import ScheduledVisit
from edc.export.formats.metadata import DataType, Role
from edc.export.sdtm.derivations.timing import day_number
from edc.export.sdtm.trialdesign.common import (
    MAX_TEXT,
    Design,
    Row,
    design_dataset,
    identifier_variables,
    number_variable,
    row_start,
    text_variable,
)


def trial_visits(study: StudyDefinition) -> Design:
    """TV: one row per scheduled visit, the same for every arm, by VISITNUM."""
    rows: list[Row] = [
        {**row_start(study, "TV"), "VISITNUM": visit.visitnum, "VISIT": visit.name,
         "VISITDY": visit_study_day(visit.day), "ARMCD": None, "TVSTRL": visit_start_rule(visit), "TVENRL": None}
        for visit in sorted(study.visits, key=lambda v: v.visitnum)
    ]
    variables = [
        *identifier_variables(),
        number_variable("VISITNUM", "Visit Number", Role.TOPIC, DataType.FLOAT, mandatory=True, key=2),
        text_variable("VISIT", "Visit Name", Role.SYNONYM_QUALIFIER, MAX_TEXT),
        number_variable("VISITDY", "Planned Study Day of Visit", Role.TIMING),
        text_variable("ARMCD", "Planned Arm Code", Role.RECORD_QUALIFIER, 20),
        text_variable("TVSTRL", "Visit Start Rule", Role.RULE, MAX_TEXT, mandatory=True),
        text_variable("TVENRL", "Visit End Rule", Role.RULE, MAX_TEXT),
    ]
    return design_dataset("TV", "Trial Visits", "One record per planned Visit per Arm", variables), rows


def visit_study_day(protocol_day: int) -> int:
    """The SDTM study day of a protocol day: Day 0 (the infusion) is study day 1, days before keep their number."""
    return day_number(protocol_day)


def visit_start_rule(visit: ScheduledVisit) -> str:
    """TVSTRL in words: "Day 28 after the CAR-T infusion (window -3/+3 days)"."""
    if visit.day > 0:
        when = f"Day {visit.day} after the CAR-T infusion"
    elif visit.day == 0:
        when = "Day 0, the day of the CAR-T infusion"
    else:
        when = f"Day {visit.day}, {-visit.day} days before the CAR-T infusion"
    window = visit.window
    if window.before == window.after == 0:
        return f"{when} (no window)"
    return f"{when} (window -{window.before}/+{window.after} days)"
