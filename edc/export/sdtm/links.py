"""The checks across the datasets of one submission: every subject in DM, every SUPP-- and RELREC record
pointing at an existing parent record."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import TypeAlias

import pandas as pd

from edc.export.formats.metadata import Dataset, Role, Variable
from edc.export.formats.table import is_missing
from edc.export.sdtm.conformance import (
    is_blank,
)
from edc.export.sdtm.failures import Failure, row_number

Framed: TypeAlias = list[tuple[Dataset, pd.DataFrame]]


def validate_links(framed: Iterable[tuple[Dataset, pd.DataFrame]]) -> list[Failure]:
    """The checks across datasets: every subject in DM, every SUPP-- and RELREC record finding its parent.

    Each frame needs only the columns `link_columns` names and the index of its
    full frame (0, 1, ...: a failure's row is its index + 1), so a caller may
    keep these slim frames while it drops each dataset's other columns.
    """
    frames = list(framed)
    return _subjects_missing_from_dm(frames) + _orphan_relationships(frames)


def link_columns(dataset: Dataset) -> tuple[str, ...]:
    """The variables of `dataset` that `validate_links` reads, in file order.

    SUPP-- and RELREC: their relationship variables. Other datasets: USUBJID,
    the keys and the identifiers (the variables an IDVAR may name: --SEQ,
    --GRPID, --SPID, --REFID, --LNKID...).
    """
    if _is_relationship(dataset):
        wanted = set(_RELATIONSHIP_VARIABLES)
    else:
        wanted = {"USUBJID"} | {v.name for v in dataset.keys}
        wanted |= {v.name for v in dataset.variables if v.role is Role.IDENTIFIER}
    return tuple(name for name in dataset.names if name in wanted)


def _subjects_missing_from_dm(framed: Framed) -> list[Failure]:
    """Every subject of every subject-level dataset must have its DM record (SDTMIG 3.4 section 5.2)."""
    # a SUPPDM names DM as its domain (as define.xml wants), but its subjects are not DM's
    dm = [frame for dataset, frame in framed if _domain(dataset) == "DM" and not _is_relationship(dataset)]
    others = [(dataset, frame) for dataset, frame in framed
              if _domain(dataset) != "DM" and "USUBJID" in frame.columns]
    if not dm:
        return [Failure("DM", None, None, None, "is missing, but other datasets have subjects")] if others else []
    subjects = {usubjid for frame in dm if "USUBJID" in frame.columns for usubjid in frame["USUBJID"]}
    failures: list[Failure] = []
    for dataset, frame in others:
        reported: set[str] = set()
        for index, usubjid in frame["USUBJID"].items():
            # one failure per subject and dataset: the fix (add the DM record) is one per subject
            if is_blank(usubjid) or usubjid in subjects or usubjid in reported:
                continue
            reported.add(usubjid)
            failures.append(Failure(dataset.name, "USUBJID", str(usubjid), usubjid, "is not a subject in DM",
                                    row_number(int(str(index)))))
    return failures


_RELATIONSHIP_VARIABLES = ("RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL")


def _orphan_relationships(framed: Framed) -> list[Failure]:
    """SUPP-- and RELREC records whose (RDOMAIN, USUBJID, IDVAR, IDVARVAL) finds no parent record."""
    # a SUPP-- dataset names its parent's domain (SUPPAE: AE): the parent is the dataset that is no relationship
    parents = {_domain(dataset): (dataset, frame) for dataset, frame in framed if not _is_relationship(dataset)}
    failures: list[Failure] = []
    for dataset, frame in framed:
        if not _is_relationship(dataset) or any(name not in frame.columns for name in _RELATIONSHIP_VARIABLES):
            continue
        for index, record in zip(frame.index, frame.to_dict("records"), strict=True):
            failure = _orphan(record, parents)
            if failure is not None:
                failures.append(Failure(dataset.name, failure[0], _text(record["USUBJID"]) or None, failure[1],
                                        failure[2], row_number(int(str(index)))))
    return failures


def _is_relationship(dataset: Dataset) -> bool:
    return dataset.name == "RELREC" or (dataset.name.startswith("SUPP") and "QNAM" in dataset.names)


def _orphan(
    record: Mapping[Hashable, object], parents: Mapping[str, tuple[Dataset, pd.DataFrame]]
) -> tuple[str, object, str] | None:
    """(variable, value, message) when the record's parent cannot be found."""
    rdomain, usubjid = _text(record["RDOMAIN"]), _text(record["USUBJID"])
    idvar, idvarval = _text(record["IDVAR"]), _text(record["IDVARVAL"])
    if rdomain not in parents:
        return ("RDOMAIN", rdomain, "is not a domain of the submission")
    parent, frame = parents[rdomain]
    if idvar and idvar not in parent.names:
        return ("IDVAR", idvar, f"is not a variable of {rdomain}")
    if not usubjid:
        # a RELREC relationship between datasets names IDVAR only: it has no record to find
        return None
    records = frame[frame["USUBJID"] == usubjid] if "USUBJID" in frame.columns else frame.iloc[0:0]
    if not idvar:
        # SUPPDM and other subject-level qualifiers leave IDVAR and IDVARVAL null
        return None if len(records) else ("USUBJID", usubjid, f"has no record in {rdomain}")
    variable = next(v for v in parent.variables if v.name == idvar)
    found = {_id_text(variable, value) for value in records[idvar]} if idvar in records.columns else set()
    if _id_text(variable, idvarval) in found:
        return None
    return ("IDVARVAL", idvarval, f"is not the {idvar} of a record of this subject in {rdomain}")


def _domain(dataset: Dataset) -> str:
    return dataset.domain or dataset.name


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value).strip()


def _id_text(variable: Variable, value: object) -> str:
    """A parent's value as IDVARVAL writes it: "3" for AESEQ 3, whether held as 3, 3.0 or "3"."""
    text = _text(value)
    if not variable.data_type.is_numeric or not text:
        return text
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else repr(number)
