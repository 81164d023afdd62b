"""The unit registry: which unit symbols definitions may use and which measure the same thing.

Symbols follow the habits of clinical labs (close to UCUM, readable by site
staff). Each maps to a dimension; two units are interchangeable only within a
dimension and with a known factor. Conversions that depend on the analyte
(creatinine mg/dL <-> umol/L) are not listed here: they are clinical facts of
the analyte and live in the domain layer.
"""

from __future__ import annotations

from types import MappingProxyType

# symbol -> (dimension, factor to the dimension's first listed unit)
_UNITS: dict[str, tuple[str, float]] = {
    "mmHg": ("pressure", 1.0),
    "beats/min": ("rate", 1.0),
    "breaths/min": ("rate", 1.0),
    "C": ("temperature", 1.0),
    "kg": ("mass", 1.0),
    "mg": ("drug_mass", 1.0),
    "cm": ("length", 1.0),
    "m2": ("area", 1.0),
    "kg/m2": ("mass_per_area", 1.0),
    "%": ("fraction", 1.0),
    "1": ("ratio", 1.0),
    "ms": ("time", 1.0),
    "s": ("time", 1000.0),
    "h": ("duration", 1.0),
    "days": ("duration", 24.0),
    "years": ("age", 1.0),
    "months": ("age", 1.0 / 12.0),
    "mg/dL": ("mass_concentration", 1.0),
    "g/L": ("mass_concentration", 100.0),
    "g/dL": ("mass_concentration", 1000.0),
    "mg/L": ("mass_concentration", 0.1),
    "ug/L": ("mass_concentration", 1e-4),
    "ng/mL": ("mass_concentration", 1e-4),
    "pg/mL": ("mass_concentration", 1e-7),
    "umol/L": ("molar_concentration", 1.0),
    "mmol/L": ("molar_concentration", 1000.0),
    "U/L": ("catalytic_concentration", 1.0),
    "IU/mL": ("arbitrary_concentration", 1.0),
    "U/mL": ("arbitrary_concentration", 1.0),
    "titer": ("titer", 1.0),
    "10^9/L": ("cell_concentration", 1.0),
    "10^12/L": ("cell_concentration", 1000.0),
    "10^6/L": ("cell_concentration", 0.001),
    "/hpf": ("count_per_field", 1.0),
    "fL": ("volume_small", 1.0),
    "pg": ("mass_small", 1.0),
    "mm/h": ("sedimentation", 1.0),
    "g/24h": ("excretion", 1.0),
    "mg/24h": ("excretion", 0.001),
    "mg/mg": ("mass_ratio", 1.0),
    "mg/mmol": ("mass_molar_ratio", 1.0),
    "mL/min": ("clearance", 1.0),
    "mL/min/1.73m2": ("clearance_bsa", 1.0),
    "mL": ("volume", 1.0),
    "L": ("volume", 1000.0),
    "mg/day": ("daily_dose", 1.0),
    "mg/m2": ("dose_per_area", 1.0),
    "mg/kg": ("dose_per_mass", 1.0),
    "L/min": ("flow", 1.0),
    "copies/mL": ("viral_load", 1.0),
    "IU/L": ("catalytic_concentration", 1.0),
    "cells": ("cells", 1.0),
    "10^6 cells": ("cells", 1e6),
    "10^8 cells": ("cells", 1e8),
    "cells/kg": ("cells_per_kg", 1.0),
    "10^6 cells/kg": ("cells_per_kg", 1e6),
}

UNITS = MappingProxyType(_UNITS)

# Dimensions a factor of the analyte converts between (its molar mass): an item may declare such a unit
# among its other units with its own factor; within one dimension the factor is the registry's.
_ANALYTE_SPECIFIC = frozenset({frozenset({"mass_concentration", "molar_concentration"})})


def is_known(unit: str) -> bool:
    return unit in UNITS


def dimension(unit: str) -> str:
    return UNITS[unit][0]


def same_dimension(a: str, b: str) -> bool:
    return is_known(a) and is_known(b) and dimension(a) == dimension(b)


def analyte_specific(a: str, b: str) -> bool:
    """Whether converting `a` to `b` takes a factor of the analyte (mg/dL to umol/L: its molar mass)."""
    return is_known(a) and is_known(b) and frozenset({dimension(a), dimension(b)}) in _ANALYTE_SPECIFIC


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert within one dimension; ValueError across dimensions."""
    if not same_dimension(from_unit, to_unit):
        raise ValueError(f"cannot convert {from_unit} to {to_unit}")
    return value * UNITS[from_unit][1] / UNITS[to_unit][1]
