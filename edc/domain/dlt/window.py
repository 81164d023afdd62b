"""A subject's DLT window: open, a DLT seen, closed without one, or awaiting a decision after it closed.

The window takes per-event outcomes rather than proposals, so the caller
passes the adjudicated decisions where they exist and the proposals elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from edc.domain.dlt.outcomes import DltVerdict, DltWindow, WindowState

_UNDECIDED = (DltVerdict.PENDING, DltVerdict.REFER_TO_COMMITTEE)


def window_state(infusion_date: date, as_of: date, dlt_window_days: int, evaluable: bool,
                 outcomes: Iterable[DltVerdict]) -> DltWindow:
    """The DLT window state of one infused subject on day `as_of`.

    `infusion_date` is the infusion the window runs from (with repeat
    infusions, the latest); the window's last day is infusion + window days.
    `outcomes` holds one final outcome per adverse event: the adjudicated
    decision (committee, else investigator) where there is one, the screening
    proposal's verdict otherwise; codes of the dlt_decision codelist convert
    with DltVerdict(code). PENDING and REFER_TO_COMMITTEE count as undecided.
    Precedence: NOT_EVALUABLE, then DLT (a DLT decides even while the window is
    open), then OPEN while as_of <= the window's last day, then
    AWAITING_DECISION when an event is undecided, else CLOSED_NO_DLT.
    ValueError when as_of is before the infusion or the window is shorter than a day.
    """
    if isinstance(dlt_window_days, bool) or not isinstance(dlt_window_days, int) or dlt_window_days < 1:
        raise ValueError(f"dlt_window_days must be an integer >= 1, got {dlt_window_days!r}")
    if as_of < infusion_date:
        raise ValueError(f"as_of {as_of} is before the infusion on {infusion_date}")
    verdicts = [DltVerdict(outcome) for outcome in outcomes]
    window_end = infusion_date + timedelta(days=dlt_window_days)
    undecided = sum(verdict in _UNDECIDED for verdict in verdicts)
    if not evaluable:
        return DltWindow(WindowState.NOT_EVALUABLE, window_end, undecided)
    if DltVerdict.DLT in verdicts:
        return DltWindow(WindowState.DLT, window_end, undecided)
    if as_of <= window_end:
        return DltWindow(WindowState.OPEN, window_end, undecided)
    if undecided:
        return DltWindow(WindowState.AWAITING_DECISION, window_end, undecided)
    return DltWindow(WindowState.CLOSED_NO_DLT, window_end)
