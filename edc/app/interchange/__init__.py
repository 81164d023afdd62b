"""Interchange with other systems: importing a study's clinical data from a CDISC ODM 1.3.2 file."""
