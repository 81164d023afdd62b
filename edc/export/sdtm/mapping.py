"""The SDTM mapping engine: a study definition, its specs and captured data in, dataset rows out.

Pure: no database, no clock. The captured data arrive as `SubjectData`
(`edc.export.sdtm.subjectdata`), plain frozen values a database reader fills;
`map_dataset` returns the dataset's metadata and its rows as dicts, ready for
`edc.export.formats.table.build_table` and the writers. The rows come from
`edc.export.sdtm.rows` (SUPP-- rows from `edc.export.sdtm.supplemental`, RELREC
from `edc.export.sdtm.relrec`), the
metadata from `edc.export.sdtm.dataset_metadata`.

`map_dataset_chunks` gives the same rows a chunk of subjects at a time, in
the same order: every row depends on its own subject only (--SEQ, the
reference start, --LOBXFL), so an export holds one chunk's rows, not the
dataset's. A reader's `ChunkedSubjects` is ordered by its identities and
read a chunk at a time, so the export holds one chunk's input too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from edc.definitions.catalog import StudyDefinition
from edc.definitions.sdtm.model import SpecSet
from edc.export.formats.metadata import Dataset
from edc.export.sdtm.codelists import NO_DICTIONARIES
from edc.export.sdtm.dataset_metadata import dataset_metadata
from edc.export.sdtm.derivations.context import Row
from edc.export.sdtm.derivations.identifiers import subject_usubjid, usubjid
from edc.export.sdtm.relrec import relrec_metadata, relrec_rows
from edc.export.sdtm.rows import domain_rows
from edc.export.sdtm.subjectdata import ChunkedSubjects, SubjectData
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


def map_dataset_chunks(study: StudyDefinition, specs: SpecSet, name: str, subjects: Sequence[SubjectData],
                       dictionaries: Mapping[str, str] = NO_DICTIONARIES, *,
                       chunk: int) -> tuple[Dataset, list[Callable[[], list[Row]]]]:
    """The dataset `name` as `map_dataset` gives it, its rows in chunks of `chunk` subjects by USUBJID: one
    function per chunk, mapping that chunk's rows when called (the rows of all chunks, in turn, are
    `map_dataset`'s). A dataset whose keys do not include USUBJID is one chunk. Only positions are sorted,
    so a reader may build each subject when it is asked for (`ChunkedSubjects`: each chunk)."""
    domain = specs[name]
    if domain.spec.qualifiers:
        metadata = supp_metadata(domain, study)
    elif domain.spec.relationships:
        metadata = relrec_metadata(domain)
    else:
        metadata = dataset_metadata(domain, study, specs.terminology, dictionaries)
    order = sorted(range(len(subjects)), key=_usubjids(study, subjects).__getitem__)
    if "USUBJID" not in {variable.name for variable in metadata.keys}:
        chunk = len(order)  # its keys may repeat across subjects: checked in one piece

    def rows(positions: Sequence[int]) -> list[Row]:
        part = subjects.chunk(positions) if isinstance(subjects, ChunkedSubjects) else [
            subjects[index] for index in positions]
        if domain.spec.qualifiers:
            return supp_rows(study, specs, domain, part)
        if domain.spec.relationships:
            return relrec_rows(study, specs, domain, part)
        return [row for _, row in domain_rows(study, specs, domain, part)]

    return metadata, [partial(rows, order[start:start + chunk]) for start in range(0, len(order), max(1, chunk))]


def _usubjids(study: StudyDefinition, subjects: Sequence[SubjectData]) -> list[str]:
    """USUBJID by position; of `ChunkedSubjects` from their identities, none of them read."""
    if isinstance(subjects, ChunkedSubjects):
        return [subject_usubjid(study, number, site) for number, site in subjects.identities]
    return [usubjid(study, subject) for subject in subjects]
