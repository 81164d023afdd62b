"""How a demo value is drawn: small value specifications and the function that draws one for an item.

A profile (see `edc.demo.profiles`) maps an item to one of these specs. Every
draw takes the item's definition into account: numbers are clamped to the
item's hard range and rounded to its precision, texts are cut to its maximum
length, so whatever a spec says, the value is one the item accepts.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from edc.definitions.model import Item


@dataclass(frozen=True)
class Normal:
    """A number drawn from a normal distribution (then clamped to the item's range)."""

    mean: float
    sd: float


@dataclass(frozen=True)
class Pick:
    """A code (or codes, for a multiple choice) drawn with the given weights."""

    weights: Mapping[str, float]


@dataclass(frozen=True)
class Chance:
    """A boolean that is true with probability `p`."""

    p: float


@dataclass(frozen=True)
class Among:
    """One of a few plausible values, equally likely (texts, titres, times)."""

    values: tuple[object, ...]


@dataclass(frozen=True)
class Fixed:
    """Always this value."""

    value: object


Spec = Normal | Pick | Chance | Among | Fixed


def draw(spec: Spec, item: Item, rng: random.Random) -> object:
    """A value for `item` following `spec`, made to fit the item's type, range, precision and length."""
    if isinstance(spec, Normal):
        return fit_number(item, rng.gauss(spec.mean, spec.sd))
    if isinstance(spec, Pick):
        codes = list(spec.weights)
        chosen = rng.choices(codes, weights=[spec.weights[c] for c in codes])[0]
        return [chosen] if item.type == "multichoice" else chosen
    if isinstance(spec, Chance):
        return rng.random() < spec.p
    value = rng.choice(spec.values) if isinstance(spec, Among) else spec.value
    if isinstance(value, int | float) and not isinstance(value, bool) and item.type in ("integer", "decimal"):
        return fit_number(item, float(value))
    if isinstance(value, str) and item.max_length is not None:
        return value[: item.max_length]
    return value


def fit_number(item: Item, value: float) -> int | float:
    """`value` clamped to the item's range and rounded to its precision (int for integers and 0 decimals)."""
    low = item.range.min if item.range is not None else None
    high = item.range.max if item.range is not None else None
    if low is not None:
        value = max(value, low)
    if high is not None:
        value = min(value, high)
    places = (item.precision or 0) if item.type == "decimal" else 0
    if places == 0:
        whole = round(value)
        if low is not None and whole < low:
            whole += 1
        if high is not None and whole > high:
            whole -= 1
        return int(whole)
    return round(value, places)


def fallback(item: Item, codes: tuple[str, ...], rng: random.Random, on: date) -> object:
    """A valid value for an item no profile describes, from its type alone."""
    if item.type in ("integer", "decimal"):
        low = item.range.min if item.range is not None and item.range.min is not None else 0.0
        high = item.range.max if item.range is not None and item.range.max is not None else low + 100.0
        return fit_number(item, rng.uniform(low, low + (high - low) * 0.3))
    if item.type == "text":
        return item.label[: item.max_length or 40]
    if item.type == "date":
        return on.isoformat()
    if item.type == "partial_date":
        return f"{on.year - rng.randint(1, 8)}-{rng.randint(1, 12):02d}"
    if item.type == "datetime":
        return f"{on.isoformat()}T{rng.randint(8, 16):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z"
    if item.type == "time":
        return f"{rng.randint(8, 16):02d}:{rng.choice((0, 15, 30, 45)):02d}"
    if item.type == "boolean":
        return rng.random() < 0.2
    if item.type == "multichoice":
        return rng.sample(list(codes), k=min(len(codes), rng.randint(1, 2)))
    return rng.choice(codes)
