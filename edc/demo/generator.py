"""Valid payloads for any form, driven by its definition: types, ranges, precision, lengths, codelists, skip logic.

`generate_payload` builds the JSON a client would send for one record:

1. the caller's `values` are taken as they are (None leaves an item empty);
2. every other item that is not calculated gets a value: from the form's
   profile (`edc.demo.profiles`) when it has one, else from its type alone.
   Required items are always filled, optional ones mostly;
3. dependent items are made to agree (`edc.demo.coherence`);
4. items the form's skip logic does not ask are dropped, evaluated on the
   typed values exactly as the capture service does (`edc.rules.calculate.applicable`),
   repeated until stable because dropping an item can change another's `when`.

All randomness comes from the `random.Random` passed in, so a seeded
generator gives the same payload every time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date

from edc.capture.payload import parse_payload
from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Form, Item
from edc.demo.coherence import make_coherent
from edc.demo.profiles import OPTIONAL_SKIPPED, profile
from edc.demo.specs import Spec, draw, fallback, fit_number
from edc.rules.calculate import applicable

#: Probability that an optional item no profile describes is filled.
OPTIONAL_FILL_RATE = 0.5


def generate_payload(study: StudyDefinition, form_id: str, rng: random.Random, *, on: date,
                     values: Mapping[str, object] | None = None) -> dict[str, object]:
    """A payload for a record of `form_id` collected on `on` (the default of its date items).

    `values` fixes items (None: leave empty); numbers among them are rounded to
    the item's precision and clamped to its range, and names the form does not
    have are ignored (one study's form may lack an item another's has, e.g.
    CNCT19's `sle_dx`). Nothing else is checked here: the capture service
    validates the whole payload.
    """
    form = study.forms[form_id]
    given = dict(values or {})
    specs = profile(form_id)
    payload: dict[str, object] = {}
    for item in form.items:
        if item.is_calculated:
            continue
        if item.name in given:
            if given[item.name] is not None:
                payload[item.name] = _given(item, given[item.name])
        elif _wanted(item, specs.get(item.name), rng):
            payload[item.name] = item_value(study, item, specs.get(item.name), rng, on)
    make_coherent(form, payload, given.keys(), rng, on)
    return without_skipped(study, form, payload)


def item_value(study: StudyDefinition, item: Item, spec: Spec | None, rng: random.Random, on: date) -> object:
    """One value for `item`: drawn from its profile spec, or from its type when there is none."""
    if spec is not None:
        return draw(spec, item, rng)
    codes = study.codelists[item.codelist].codes() if item.codelist is not None else ()
    return fallback(item, codes, rng, on)


def _given(item: Item, value: object) -> object:
    """A caller's value; numbers are rounded to the item's precision and clamped to its range."""
    if item.type in ("integer", "decimal") and isinstance(value, int | float) and not isinstance(value, bool):
        return fit_number(item, float(value))
    return value


def _wanted(item: Item, spec: Spec | None, rng: random.Random) -> bool:
    """Whether to fill the item: required ones always, profiled optional ones mostly, others at random."""
    if item.required:
        return True
    if item.name in OPTIONAL_SKIPPED:
        return False
    return spec is not None or rng.random() < OPTIONAL_FILL_RATE


def without_skipped(study: StudyDefinition, form: Form, payload: Mapping[str, object]) -> dict[str, object]:
    """`payload` without the items the form's skip logic does not ask, given the other values."""
    current = dict(payload)
    while True:
        typed = parse_payload(form, study.codelists, current, {}).values
        verdicts = applicable(form, typed, study.codelists)
        skipped = [name for name in current if verdicts.get(name) is False]
        if not skipped:
            return current
        for name in skipped:
            del current[name]
