"""Evaluating definition rules on captured values.

Calculated items, skip logic, edit checks and eligibility criteria are CEL
expressions in the study definitions; this package evaluates them on a
subject's values with the clinical functions of `edc.domain`. It is pure: no
database, no HTTP, no clock. A rule whose data are missing is not false but
`Undecidable`, naming the dotted paths it still needs.
"""
