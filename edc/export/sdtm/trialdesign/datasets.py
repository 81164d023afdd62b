"""All trial design datasets of a study, in order: `design_datasets` (TS, TA, TE, TV, TI)."""

from __future__ import annotations

from edc.definitions.catalog import StudyDefinition
from edc.export.sdtm.trialdesign.arms import trial_arms, trial_elements
from edc.export.sdtm.trialdesign.common import (
    CT_VERSION,
    Design,
)
from edc.export.sdtm.trialdesign.criteria import trial_criteria
from edc.export.sdtm.trialdesign.summary import trial_summary
from edc.export.sdtm.trialdesign.visits import trial_visits

DESIGN_DATASETS = ("TS", "TA", "TE", "TV", "TI")
"""The trial design datasets, in the order `design_datasets` returns them."""


def design_datasets(study: StudyDefinition, *, ct_version: str = CT_VERSION) -> list[Design]:
    """TS, TA, TE, TV, TI in that order: metadata and rows, rows in key order.

    Raises `DesignError` when a criterion's id or text does not fit TI.
    """
    return [trial_summary(study, ct_version=ct_version), trial_arms(study), trial_elements(study),
            trial_visits(study), trial_criteria(study)]
