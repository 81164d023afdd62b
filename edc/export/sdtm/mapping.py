"""The SDTM mapping engine: a study definition, its specs and captured data in, dataset rows out.

Pure: no database, no clock. The captured data arrive as `SubjectData`
(`edc.export.sdtm.subjectdata`), plain frozen values a database reader fills;
`map_dataset` returns the dataset's metadata and its rows as dicts, ready for
`edc.export.formats.table.build_table` and the writers. The rows come from
`edc.export.sdtm.rows` (SUPP-- rows from `edc.export.sdtm.supplemental`, RELREC
from `edc.export.sdtm.relrec`), the
metadata from `edc.export.sdtm.dataset_metadata`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.metadata import Dataset
from edc.export.sdtm.codelists import NO_DICTIONARIES
from edc.export.sdtm.dataset_metadata import dataset_metadata
from edc.export.sdtm.derivations.context import Row
from edc.export.sdtm.relrec import relrec_metadata, relrec_rows
from edc.export.sdtm.rows import domain_rows
from edc.export.sdtm.subjectdata import SubjectData
from edc.export.sdtm.supplemental import supp_metadata, supp_rows


def map_dataset(study: StudyDefinition, specs: SpecSet, name: str, subjects: Iterable[SubjectData],
                dictionaries: Mapping[str, str] = NO_DICTIONARIES) -> tuple[Dataset, list[Row]]:
    """The dataset `name` (DM, AE, SUPPAE...) for these subjects: its metadata and its rows in key order
    (`dictionaries`: the study's release of each dictionary, kind -> version, which define.xml names)."""
    subjects = tuple(subjects)
    domain = specs[name]
    if domain.spec.qualifiers:
        return supp_metadata(domain, study), supp_rows(study, specs, domain, subjects)
    if domain.spec.relationships:
        return relrec_metadata(domain), relrec_rows(study, specs, domain, subjects)
    metadata = dataset_metadata(domain, study, specs.terminology, dictionaries)
    return metadata, [row for _, row in domain_rows(study, specs, domain, subjects)]
