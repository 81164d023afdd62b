"""The study's `endpoints` section: the endpoints of the registry record derived from the captured data.

Each is optional; a study that declares none has no endpoints route. The
derivations are in `edc.domain.endpoints`, the route in `edc.app.endpoints`.
"""

from __future__ import annotations

from pydantic import Field

from edc.definitions.model_base import Strict, Text, UpperId


class OverallSurvival(Strict):
    """Time from the (first) CAR-T infusion to death from any cause, censored at the last contact."""

    horizon_days: int = Field(ge=1)
    """Follow-up counted up to this day after the infusion; a later death or contact is censored here."""
    reference: Text | None = None


class GlucocorticoidFree(Strict):
    """Subjects off glucocorticoids (and at a low dose) at a visit, from the medication log confirmed complete."""

    visit: UpperId
    """The scheduled visit whose date is the timepoint."""
    low_dose_max_mg_day: float = Field(gt=0)
    """A prednisone-equivalent daily dose up to this is a low dose."""
    reference: Text | None = None


class Endpoints(Strict):
    """The endpoints the record names that are derived from the captured data (served by GET .../endpoints)."""

    overall_survival: OverallSurvival | None = None
    glucocorticoid_free: GlucocorticoidFree | None = None
