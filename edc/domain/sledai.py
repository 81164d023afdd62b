"""SLEDAI-2K and SELENA-SLEDAI totals over the 24 descriptors (0-105).

Each descriptor present at the visit (or in the 10 days before it) scores its
weight. Twenty descriptors are booleans; rash, alopecia, mucosal ulcers and
proteinuria are recorded with their onset (codelist `sledai_onset`):
SELENA-SLEDAI scores them only when NEW or RECURRENT, SLEDAI-2K also when
PERSISTENT. A "clinical" SLEDAI is the same total with some descriptors left
out; which ones is a trial decision (see the exclusion sets below), passed in
by the caller from the study YAML, as are the activity bands.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from itertools import pairwise
from types import MappingProxyType

from edc.domain._common import read_bool, read_code

SLEDAI_WEIGHTS: Mapping[str, int] = MappingProxyType({
    "seizure": 8,
    "psychosis": 8,
    "organic_brain_syndrome": 8,
    "visual_disturbance": 8,
    "cranial_nerve_disorder": 8,
    "lupus_headache": 8,
    "cva": 8,
    "vasculitis": 8,
    "arthritis": 4,
    "myositis": 4,
    "urinary_casts": 4,
    "haematuria": 4,
    "proteinuria": 4,
    "pyuria": 4,
    "rash": 2,
    "alopecia": 2,
    "mucosal_ulcers": 2,
    "pleurisy": 2,
    "pericarditis": 2,
    "low_complement": 2,
    "increased_dna_binding": 2,
    "fever": 1,
    "thrombocytopenia": 1,
    "leukopenia": 1,
})
"""The 24 descriptors (item names) and their weights; they sum to SLEDAI_MAX."""

SLEDAI_MAX = 105
SLEDAI_DESCRIPTORS: tuple[str, ...] = tuple(SLEDAI_WEIGHTS)
SLEDAI_ONSET_DESCRIPTORS: frozenset[str] = frozenset({"rash", "alopecia", "mucosal_ulcers", "proteinuria"})
SLEDAI_BOOLEAN_DESCRIPTORS: tuple[str, ...] = tuple(
    name for name in SLEDAI_DESCRIPTORS if name not in SLEDAI_ONSET_DESCRIPTORS
)
SLEDAI_ONSET_CODES: tuple[str, ...] = ("ABSENT", "NEW", "RECURRENT", "PERSISTENT")

SELENA_SCORED_ONSETS: frozenset[str] = frozenset({"NEW", "RECURRENT"})
SLEDAI_2K_SCORED_ONSETS: frozenset[str] = frozenset({"NEW", "RECURRENT", "PERSISTENT"})

CLINICAL_EXCLUDES_RD0604: frozenset[str] = frozenset({
    "urinary_casts", "haematuria", "proteinuria", "pyuria",
    "low_complement", "increased_dna_binding", "thrombocytopenia", "leukopenia",
})
"""Clinical SLEDAI of RD06-04: every urine, laboratory and immunology descriptor left out."""

CLINICAL_EXCLUDES_SEROLOGY: frozenset[str] = frozenset({"low_complement", "increased_dna_binding"})
"""Clinical SLEDAI of Relma-cel (and the usual "clinical SLEDAI"): serology left out."""

Band = tuple[int, int | None, str]


def sledai_2k_total(record: Mapping[str, object], exclude: Collection[str] = ()) -> int | None:
    """SLEDAI-2K total: onset descriptors score when NEW, RECURRENT or PERSISTENT.

    `record` maps descriptor item names to booleans / onset codes. Descriptors
    in `exclude` are neither read nor scored (clinical SLEDAI). Returns None
    when any other descriptor is missing; ValueError for an unknown descriptor
    name in `exclude`, an unknown onset code or a non-boolean boolean item.
    """
    return _total(record, exclude, SLEDAI_2K_SCORED_ONSETS)


def selena_sledai_total(record: Mapping[str, object], exclude: Collection[str] = ()) -> int | None:
    """SELENA-SLEDAI total: onset descriptors score only when NEW or RECURRENT.

    Same items, weights, exclusions and errors as `sledai_2k_total`.
    """
    return _total(record, exclude, SELENA_SCORED_ONSETS)


def active_descriptors(record: Mapping[str, object]) -> frozenset[str] | None:
    """The descriptors scoring in SLEDAI-2K (present, or NEW / RECURRENT / PERSISTENT); None when any is missing."""
    active: set[str] = set()
    for name in SLEDAI_WEIGHTS:
        if name in SLEDAI_ONSET_DESCRIPTORS:
            code = read_code(record, name, SLEDAI_ONSET_CODES)
            present = None if code is None else code in SLEDAI_2K_SCORED_ONSETS
        else:
            present = read_bool(record, name)
        if present is None:
            return None
        if present:
            active.add(name)
    return frozenset(active)


def _total(record: Mapping[str, object], exclude: Collection[str], scored_onsets: frozenset[str]) -> int | None:
    excluded = _check_exclude(exclude)
    total = 0
    missing = False
    for name, weight in SLEDAI_WEIGHTS.items():
        if name in excluded:
            continue
        if name in SLEDAI_ONSET_DESCRIPTORS:
            code = read_code(record, name, SLEDAI_ONSET_CODES)
            present = None if code is None else code in scored_onsets
        else:
            present = read_bool(record, name)
        if present is None:
            missing = True  # keep going: an invalid value elsewhere must still raise
        elif present:
            total += weight
    return None if missing else total


def _check_exclude(exclude: Collection[str]) -> frozenset[str]:
    if isinstance(exclude, str):
        raise ValueError(f"exclude must be a collection of descriptor names, not the string {exclude!r}")
    unknown = sorted(str(name) for name in exclude if name not in SLEDAI_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown SLEDAI descriptor(s) in exclude: {', '.join(unknown)}")
    return frozenset(exclude)


def sledai_activity_band(total: int, bands: Sequence[Band]) -> str:
    """The label of the band holding `total`.

    `bands` are (low, high, label) with inclusive bounds, `high` None for an
    open top, e.g. ((0, 4, 'NONE'), (5, 9, 'MILD'), (10, 14, 'MODERATE'),
    (15, None, 'SEVERE')); the study YAML owns them. ValueError when `total`
    is not an integer in 0-105, the bands overlap or are malformed, or no band
    holds the total.
    """
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= SLEDAI_MAX:
        raise ValueError(f"SLEDAI total must be an integer in 0-{SLEDAI_MAX}, got {total!r}")
    _check_bands(bands)
    for low, high, label in bands:
        if low <= total and (high is None or total <= high):
            return label
    raise ValueError(f"no activity band holds SLEDAI total {total}")


def activity_band_from_bounds(total: int, lower_bounds: Sequence[int], labels: Sequence[str]) -> str:
    """The activity band of `total` with the bands given by their lower bounds, as a study YAML writes them.

    `lower_bounds` rise strictly from 0 and `labels` names each band, e.g.
    ([0, 5, 10, 15], ['NONE', 'MILD', 'MODERATE', 'SEVERE']): each band ends
    one below the next one's lower bound, the last is open. ValueError for
    bounds that do not start at 0 or do not rise, or a label count that differs.
    """
    lows = [int(low) for low in lower_bounds]
    if len(lows) != len(labels) or not lows:
        raise ValueError(f"{len(lows)} lower bounds for {len(labels)} band labels")
    if lows[0] != 0 or any(b <= a for a, b in pairwise(lows)):
        raise ValueError(f"band lower bounds must rise strictly from 0, got {lows}")
    highs: list[int | None] = [low - 1 for low in lows[1:]]
    highs.append(None)
    bands = tuple((low, high, str(label)) for low, high, label in zip(lows, highs, labels, strict=True))
    return sledai_activity_band(total, bands)


def _check_bands(bands: Sequence[Band]) -> None:
    ordered = sorted(bands, key=lambda band: band[0])
    for index, (low, high, label) in enumerate(ordered):
        if high is not None and high < low:
            raise ValueError(f"activity band {label!r}: upper bound {high} is below lower bound {low}")
        if index + 1 < len(ordered):
            next_low = ordered[index + 1][0]
            if high is None or high >= next_low:
                raise ValueError(f"activity band {label!r} overlaps the band starting at {next_low}")
