"""Making the items of one generated record agree with each other, as they would on a real form.

Items drawn one by one can contradict each other: an RR interval that does
not match the heart rate, a white cell count below the neutrophils, a CRS
grade other than the one its components give. Each fix-up below derives such
items from the others. A fix-up never touches an item the caller gave
explicitly (`keep`): clinical scenarios stay in control of their values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Mapping
from datetime import date

from edc.definitions.functions import ICE_POINTS
from edc.definitions.model import Form
from edc.rules.calculate import calculate

Payload = dict[str, object]
Fixup = Callable[[Form, Payload, Collection[str], random.Random, date], None]

#: Positivity cut-offs of the quantitative autoantibody assays (value units as in the form).
ANTIBODY_CUTOFF: Mapping[str, float] = {
    "anti_dsdna": 30.0, "anti_sm": 20.0, "anti_rnp": 20.0, "anti_c1q": 20.0, "acl_igg": 20.0,
    "acl_igm": 20.0, "acl_iga": 20.0, "anti_mda5": 32.0, "anca_pr3": 20.0, "anca_mpo": 20.0,
}
CRS_TERM = "Cytokine release syndrome"
ICANS_TERM = "Immune effector cell-associated neurotoxicity syndrome"


def _set(payload: Payload, keep: Collection[str], name: str, value: object) -> None:
    """Set `name` unless the caller fixed it."""
    if name not in keep:
        payload[name] = value


def _number(payload: Mapping[str, object], name: str, default: float) -> float:
    value = payload.get(name)
    return float(value) if isinstance(value, int | float | str) and not isinstance(value, bool) else default


def _demographics(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    month = rng.randint(1, 12)
    age = int(_number(p, "age", 40))
    _set(p, keep, "brthdat", f"{on.year - age - (1 if month > on.month else 0)}-{month:02d}")


def _ecg(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    hr = _number(p, "hr", 75)
    _set(p, keep, "rr", round(60000 / hr))
    _set(p, keep, "qt", round(rng.gauss(412, 10) * math.sqrt(60 / hr)))


def _haematology(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    cells = _number(p, "neut", 3.5) + _number(p, "lymph", 1.5) + rng.uniform(0.35, 0.8)
    _set(p, keep, "wbc", round(cells, 2))


def _chemistry(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    bili = _number(p, "bili", 10)
    _set(p, keep, "bilidir", round(min(_number(p, "bilidir", 3), bili * 0.4), 1))


def _leukapheresis(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    _set(p, keep, "lkcd3", round(_number(p, "lkcells", 9000) * rng.uniform(0.45, 0.7)))


def _lymphodepletion(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    dose = rng.choice((25.0, 30.0)) if p.get("extrt") == "FLUDARABINE" else rng.choice((250.0, 300.0, 500.0))
    _set(p, keep, "exdose", dose)
    _set(p, keep, "exadj_reason", "Dose reduced by 20% for creatinine clearance below 60 mL/min")


def _cart_infusion(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    start = str(p.get("exsttim") or "10:00")
    minutes = int(start[:2]) * 60 + int(start[3:5]) + rng.choice((10, 15, 20, 30))
    _set(p, keep, "exentim", f"{minutes // 60:02d}:{minutes % 60:02d}")
    _set(p, keep, "cells_infused", round(_number(p, "dose_planned", 50) * rng.uniform(0.93, 1.07), 2))


def _autoantibodies(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    for name, cutoff in ANTIBODY_CUTOFF.items():
        value = f"{name}_val"
        if value not in p or value in keep:
            continue
        if p.get(name) == "POSITIVE":
            p[value] = round(max(_number(p, value, cutoff), cutoff * rng.uniform(1.3, 3.0)), 1)
        elif p.get(name) == "NEGATIVE":
            p[value] = round(min(_number(p, value, 0.0), cutoff * rng.uniform(0.1, 0.6)), 1)


def _adverse_event(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    category = p.get("aecat")
    if category == "CRS":
        _set(p, keep, "aeterm", CRS_TERM)
        _set(p, keep, "aetoxgr", str(max(1, _computed(form, p, "crs_grade_calc"))))
    elif category == "ICANS":
        _set(p, keep, "aeterm", ICANS_TERM)
        if all(p.get(point) for point in ICE_POINTS) and p.get("icans_consciousness") == "NORMAL":
            _set(p, keep, "ice_write_sentence", False)  # an ICANS event has at least grade 1
        _set(p, keep, "aetoxgr", str(max(1, _computed(form, p, "icans_grade_calc"))))
    resolved = p.get("aeongo") == "N"
    _set(p, keep, "aeout", "RECOVERED/RESOLVED" if resolved else "RECOVERING/RESOLVING")


def _computed(form: Form, p: Payload, grade: str) -> int:
    """The grade the server will compute from the components drawn (the form's own calcs, its ASTCT boundaries)."""
    value = calculate(form, None, p).get(grade)
    return value if isinstance(value, int) else 0


def _concomitant_medication(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    _set(p, keep, "cmstdat", f"{on.year - rng.randint(1, 3)}-{rng.randint(1, 12):02d}")
    _set(p, keep, "cmendat", on.isoformat())


def _ie_confirm(form: Form, p: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    for name in list(p):
        _set(p, keep, name, name.startswith("inc"))  # inclusions confirmed, exclusion conditions absent


FIXUPS: Mapping[str, Fixup] = {
    "demographics": _demographics, "ecg": _ecg, "haematology": _haematology, "chemistry": _chemistry,
    "leukapheresis": _leukapheresis, "lymphodepletion": _lymphodepletion, "cart_infusion": _cart_infusion,
    "autoantibodies": _autoantibodies, "adverse_events": _adverse_event,
    "concomitant_medications": _concomitant_medication, "ie_confirm": _ie_confirm,
}


def make_coherent(form: Form, payload: Payload, keep: Collection[str], rng: random.Random, on: date) -> None:
    """Derive the dependent items of `payload` (a record of `form`) from the others, in place."""
    fixup = FIXUPS.get(form.id)
    if fixup is not None:
        fixup(form, payload, keep, rng, on)
