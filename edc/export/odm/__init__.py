"""CDISC ODM 1.3.2: a study's metadata and clinical data as one ODM document, validated against CDISC's XSD.

Pure of storage: the metadata come from the typed definitions, the clinical
data from plain `SubjectData` values a database reader fills
(`edc.app.interchange`). `oids` names every OID the project writes, so the
import can find the definitions an ODM file refers to.
"""
