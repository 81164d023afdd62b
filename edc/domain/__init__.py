"""The pure clinical domain layer.

Scores (SLEDAI, BILAG, PGA, ICE, CRS and ICANS grades), composite lupus
responses (SRI-4, LLDAS, DORIS) and derived values (creatinine clearance,
QTc, prednisone equivalents, dose checks) as pure functions: no I/O, no
clock reads, no third-party imports. Callers pass everything in, including
"today" and the trial-specific parameters that live in the study YAML.
"""
