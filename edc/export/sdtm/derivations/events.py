"""Derivations of arms, treatment and adverse events: ARM, units, ongoing events, toxicity grades, DLT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.definitions.vocabulary import SCREEN_FAILED
from edc.export.sdtm.arms import Arm, arm_of
from edc.export.sdtm.derivations.context import Derivation, RowContext
from edc.export.sdtm.subjectdata import plain

# --- arms and treatment -----------------------------------------------------------------------------

def _dose_level_arm(context: RowContext, args: Mapping[str, Any]) -> object:
    """ARMCD/ARM from the assigned dose level; ACTARMCD/ACTARM from the level infused; ARMNRS why they are null.

    SDTMIG 3.4: a screen failure, a subject never assigned and one assigned but never treated have null arm
    codes (ACTARMCD/ACTARM only for the last) and ARMNRS says why; ACTARMUD describes an infused level that
    is none of the trial's arms (TA), whose ACTARMCD stays null. In a study with indication cohorts the arm
    is the subject's cohort at that level (`edc.export.sdtm.arms`).
    """
    subject, part = context.subject, args["part"]
    assigned = subject.dose_level if subject.status != SCREEN_FAILED else None
    infused = context.item(args["item"]) if "item" in args and assigned is not None else None
    if part == "armnrs":
        if subject.status == SCREEN_FAILED:
            return "SCREEN FAILURE"
        if assigned is None:
            return "NOT ASSIGNED"
        return "ASSIGNED, NOT TREATED" if infused is None else None
    actual = arm_of(context.study, subject.cohort, str(infused)) if infused is not None else None
    if part == "actarmud":
        return f"Dose level {infused}" if infused is not None and actual is None else None
    if part.startswith("act"):
        arm = actual
    else:  # an assigned level no arm plans (not expected) still names the planned arm
        arm = (arm_of(context.study, subject.cohort, assigned) or Arm(assigned, _level_label(context, assigned))
               if assigned is not None else None)
    if arm is None:
        return None
    return arm.armcd if part.endswith("cd") else arm.arm


def _level_label(context: RowContext, level_id: str) -> str:
    return next((d.label for d in context.study.spec.dose_levels if d.id == level_id), level_id)


def _unit(context: RowContext, args: Mapping[str, Any]) -> object:
    """The unit an item is collected in (its SDTM unit where the form names one), when the row has a value."""
    form_id, _, name = str(args["item"]).partition(".")
    item = context.study.forms[form_id].item(name)
    if item is None or context.item(args["item"]) is None:
        return None
    return (item.sdtm.unit if item.sdtm is not None and item.sdtm.unit else None) or item.unit


def _protocol_dose(context: RowContext, args: Mapping[str, Any]) -> object:
    """The dose given in the protocol's unit: `per_kg` where the study's dose levels are per kg, else `item`.

    SDTMIG 3.4 EX holds the treatment as administered in the protocol-specified unit; EC holds what was
    collected (here the total cells, and the planned dose as ECMOOD SCHEDULED). `part: unit` gives the unit.
    """
    ref = args["per_kg"] if _dosed_per_kg(context) else args["item"]
    if args.get("part") == "unit":
        return _unit(context, {"item": ref})
    return context.item(ref)


def _dosed_per_kg(context: RowContext) -> bool:
    """Whether the study's dose levels are per kg of body weight (e.g. `unit: cells/kg`)."""
    return any(level.dose.unit.replace(" ", "").endswith("/kg") for level in context.study.spec.dose_levels)


# --- adverse events ---------------------------------------------------------------------------------

def _ongoing(context: RowContext, args: Mapping[str, Any]) -> bool:
    return context.item(args["item"]) == "Y"


ASTCT_CATEGORIES = ("CRS", "ICANS")
"""The AE categories graded on the ASTCT 2019 consensus scale; every other AE on NCI CTCAE v5.0."""


def _toxicity_scale(context: RowContext, args: Mapping[str, Any]) -> object:
    category = context.item(args["item"])
    if category is None:
        return None
    return "ASTCT 2019" if category in ASTCT_CATEGORIES else "NCI CTCAE v5.0"


def _committee_dlt(context: RowContext, args: Mapping[str, Any]) -> object:
    """The committee's verdict: the escalation service's first, else the DLT assessment form's; pending is empty."""
    verdict = context.subject.committee_dlt.get(str(context.join_key)) if context.join_key is not None else None
    if verdict is None and "item" in args:
        verdict = context.item(args["item"])
    return {"Y": "Y", "DLT": "Y", True: "Y", "N": "N", "NOT_DLT": "N", False: "N"}.get(verdict)


EVENTS: dict[str, Derivation] = {
    "unit": _unit,
    "product": lambda c, a: c.study.spec.study.product.name,
    "protocol_dose": _protocol_dose,
    "dose_level_arm": _dose_level_arm,
    "ongoing_rtpt": lambda c, a: "ONGOING" if _ongoing(c, a) else None,
    "ongoing_tpt": lambda c, a: plain(c.subject.last_contact) if _ongoing(c, a) else None,
    "toxicity_scale": _toxicity_scale,
    "committee_dlt": _committee_dlt,
}
