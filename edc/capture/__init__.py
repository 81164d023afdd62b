"""Data capture: what site staff submit, checked against the study definitions before it is stored."""
