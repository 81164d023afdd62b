"""Physician Global Assessment: 0.0-3.0 with one decimal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edc.domain.pga import pga_is_valid


@pytest.mark.parametrize("value", [0, 0.0, 0.1, 1, 1.5, 2.3, 2.9, 3, 3.0, 0.1 * 3, 0.7 - 0.4])
def test_valid(value: float) -> None:
    assert pga_is_valid(value)


@pytest.mark.parametrize(
    "value", [-0.1, 3.1, 3.01, 2.35, 0.05, 1.25, math.nan, math.inf, -math.inf, True, False, "1.0", None, 4]
)
def test_invalid(value: object) -> None:
    assert not pga_is_valid(value)


@given(st.integers(min_value=0, max_value=30))
def test_every_tenth_from_0_to_3_is_valid(tenths: int) -> None:
    assert pga_is_valid(tenths / 10)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_valid_implies_in_range(value: float) -> None:
    if pga_is_valid(value):
        assert 0.0 <= value <= 3.0
