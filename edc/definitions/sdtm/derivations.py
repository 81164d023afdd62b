"""The named derivations an SDTM spec may use (`derive: study_day`), with the arguments each takes.

Derivation name -> (required args, optional args). The implementations live in
`edc.export.sdtm.derivations.registry`, which checks at import that it
implements exactly these. Args named in `ITEM_ARGS` hold form item references
("form.item"); "of" names another variable of the same spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DERIVATIONS: Mapping[str, tuple[frozenset[str], frozenset[str]]] = MappingProxyType({
    "studyid": (frozenset(), frozenset()),
    "usubjid": (frozenset(), frozenset()),
    "subjid": (frozenset(), frozenset()),
    "siteid": (frozenset(), frozenset()),
    "country": (frozenset(), frozenset()),
    "seq": (frozenset(), frozenset()),
    "specimen_id": (frozenset({"of", "prefix"}), frozenset()),
    "iso8601": (frozenset({"date"}), frozenset({"time"})),
    "year": (frozenset({"item"}), frozenset()),
    "latest_date": (frozenset({"items"}), frozenset({"last_contact", "not_screen_failure"})),
    "earliest_date": (frozenset({"items"}), frozenset({"times"})),
    "first_of": (frozenset({"items"}), frozenset({"times"})),
    "flag": (frozenset({"of"}), frozenset()),
    "study_day": (frozenset({"of"}), frozenset()),
    "epoch": (frozenset({"of"}), frozenset()),
    "visitnum": (frozenset(), frozenset()),
    "dose_level_arm": (frozenset({"part"}), frozenset({"item"})),
    "ongoing_rtpt": (frozenset({"item"}), frozenset()),
    "ongoing_tpt": (frozenset({"item"}), frozenset()),
    "coded": (frozenset({"item", "level"}), frozenset({"verbatim"})),
    "toxicity_scale": (frozenset({"item"}), frozenset()),
    "committee_dlt": (frozenset(), frozenset({"item"})),
    "collected": (frozenset({"variable"}), frozenset()),
    "unit": (frozenset({"item"}), frozenset()),
    "product": (frozenset(), frozenset()),
    "protocol_dose": (frozenset({"item", "per_kg"}), frozenset({"part"})),
    "visit": (frozenset(), frozenset()),
    "visit_date": (frozenset(), frozenset()),
    "test_code": (frozenset(), frozenset()),
    "test_name": (frozenset(), frozenset()),
    "test_category": (frozenset(), frozenset({"default"})),
    "result": (frozenset(), frozenset()),
    "standard_result": (frozenset(), frozenset()),
    "result_number": (frozenset(), frozenset()),
    "result_unit": (frozenset(), frozenset()),
    "standard_unit": (frozenset(), frozenset()),
    "range_low": (frozenset(), frozenset()),
    "range_high": (frozenset(), frozenset()),
    "standard_range_low": (frozenset(), frozenset()),
    "standard_range_high": (frozenset(), frozenset()),
    "derived_flag": (frozenset(), frozenset()),
    "range_indicator": (frozenset({"of", "low", "high"}), frozenset()),
    "last_before_reference": (frozenset({"of", "by"}), frozenset({"result"})),
    "toxicity_grade": (frozenset({"of", "low", "high", "unit"}), frozenset({"specimen"})),
    "toxicity_term": (frozenset({"of", "low", "high", "unit"}), frozenset({"specimen"})),
    "criterion_id": (frozenset(), frozenset()),
    "criterion_text": (frozenset(), frozenset()),
    "criterion_category": (frozenset(), frozenset()),
    "criterion_result": (frozenset(), frozenset()),
    "eligibility_date": (frozenset(), frozenset()),
})
ITEM_ARGS = frozenset({"item", "date", "time", "items", "times", "per_kg"})
VARIABLE_ARGS = frozenset({"low", "high", "unit", "specimen"})
"""Args besides `of` that name another variable of the same spec, which the mapping computes first."""
TOXICITY = frozenset({"toxicity_grade", "toxicity_term"})
"""Derivations that grade a findings result on the criteria of `exports/terminology/ctcae_lab.yaml`."""
NEEDS_REFERENCE_START = frozenset({"study_day", "epoch", "last_before_reference"})
"""Derivations that read the subject's RFSTDTC, which only the DM spec defines."""
DATE_OF = NEEDS_REFERENCE_START
"""Derivations whose `of` variable must hold a date."""
PER_RECORD = frozenset({"seq", "visitnum", "visit", "visit_date"})
"""Derivations that number or place rows: meaningless on a one-row-per-subject dataset."""
ROW_KIND: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("test_code", "test_name", "test_category", "result", "standard_result", "result_number",
                     "result_unit", "standard_unit", "range_low", "range_high", "standard_range_low",
                     "standard_range_high", "derived_flag", "toxicity_grade", "toxicity_term"), "findings"),
    **dict.fromkeys(("criterion_id", "criterion_text", "criterion_category", "criterion_result"), "criteria"),
})
"""Derivations that only rows of one kind of block can compute (a findings block, visits, criteria)."""
ALL_RECORDS = frozenset({"earliest_date"})
"""Derivations that read every record of the forms they name, so they may name repeating forms on any row."""
GROUP_DERIVATIONS = frozenset({"last_before_reference"})
"""Derivations computed once all of a subject's rows exist, because they compare rows with each other."""
