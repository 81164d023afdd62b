"""Derivations of arms, treatment and adverse events: ARM, units, ongoing events, toxicity grades, DLT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.definitions.vocabulary import SCREEN_FAILED
from edc.export.sdtm.derivations.context import Derivation, RowContext
from edc.export.sdtm.subjectdata import plain

# --- arms and treatment -----------------------------------------------------------------------------

def _dose_level_arm(context: RowContext, args: Mapping[str, Any]) -> object:
    """ARMCD/ARM from the assigned dose level; ACTARMCD/ACTARM from the level infused; ARMNRS why they are null.

    SDTMIG 3.4: a screen failure, a subject never assigned and one assigned but never treated have null arm
    codes (ACTARMCD/ACTARM only for the last) and ARMNRS says why; ACTARMUD describes an infused level that
    is none of the trial's arms (TA), whose ACTARMCD stays null.
    """
    subject, part = context.subject, args["part"]
    assigned = subject.dose_level if subject.status != SCREEN_FAILED else None
    infused = context.item(args["item"]) if "item" in args and assigned is not None else None
    levels = {d.id: d.label for d in context.study.spec.dose_levels}
    if part == "armnrs":
        if subject.status == SCREEN_FAILED:
            return "SCREEN FAILURE"
        if assigned is None:
            return "NOT ASSIGNED"
        return "ASSIGNED, NOT TREATED" if infused is None else None
    if part == "actarmud":
        return f"Dose level {infused}" if infused is not None and str(infused) not in levels else None
    code = assigned if part in ("armcd", "arm") else (str(infused) if infused is not None else None)
    if code is None or (part.startswith("act") and code not in levels):
        return None
    return code if part.endswith("cd") else levels.get(code, code)


def _unit(context: RowContext, args: Mapping[str, Any]) -> object:
    """The unit an item is collected in (its SDTM unit where the form names one), when the row has a value."""
    form_id, _, name = str(args["item"]).partition(".")
    item = context.study.forms[form_id].item(name)
    if item is None or context.item(args["item"]) is None:
        return None
    return (item.sdtm.unit if item.sdtm is not None and item.sdtm.unit else None) or item.unit


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
    "dose_level_arm": _dose_level_arm,
    "ongoing_rtpt": lambda c, a: "ONGOING" if _ongoing(c, a) else None,
    "ongoing_tpt": lambda c, a: plain(c.subject.last_contact) if _ongoing(c, a) else None,
    "toxicity_scale": _toxicity_scale,
    "committee_dlt": _committee_dlt,
}
