"""What the trial design datasets share: versions, limits, `DesignError` and the variable and row helpers."""

from __future__ import annotations

from collections.abc import Sequence

from edc.definitions.catalog import StudyDefinition
from edc.export.formats.metadata import (
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    Variable,
)

CT_VERSION = "2024-12-20"
"""The CDISC controlled terminology release (SDTM) the TS codes come from, as the exports declare it."""

SDTMIG_VERSION = "3.4"
MAX_TEXT = 200
"""The longest character value SAS XPORT v5 holds, and the SDTM limit of IETEST and TSVAL."""
MAX_TESTCD = 8

Row = dict[str, object]
Design = tuple[Dataset, list[Row]]


class DesignError(ValueError):
    """The study definition cannot be expressed in the trial design datasets as it stands."""


PROTOCOL_ORIGIN = Origin(OriginType.PROTOCOL)
ASSIGNED_ORIGIN = Origin(OriginType.ASSIGNED, OriginSource.SPONSOR)


def text_variable(name: str, label: str, role: Role, length: int, *, mandatory: bool = False,
                  key: int | None = None, origin: Origin = PROTOCOL_ORIGIN) -> Variable:
    """A character variable, from the protocol unless told."""
    return Variable(name, label, DataType.TEXT, role, origin, length=length, mandatory=mandatory, key_sequence=key)


def number_variable(name: str, label: str, role: Role, data_type: DataType = DataType.INTEGER, *,
                    mandatory: bool = False, key: int | None = None, origin: Origin = PROTOCOL_ORIGIN) -> Variable:
    """A numeric variable, from the protocol unless told."""
    return Variable(name, label, data_type, role, origin, mandatory=mandatory, key_sequence=key)


def identifier_variables() -> tuple[Variable, Variable]:
    """STUDYID (key 1) and DOMAIN, which open every trial design dataset."""
    return (text_variable("STUDYID", "Study Identifier", Role.IDENTIFIER, 20, mandatory=True, key=1,
                          origin=ASSIGNED_ORIGIN),
            text_variable("DOMAIN", "Domain Abbreviation", Role.IDENTIFIER, 2, mandatory=True, origin=ASSIGNED_ORIGIN))


def design_dataset(name: str, label: str, structure: str, variables: Sequence[Variable]) -> Dataset:
    """A trial design dataset: reference data, not repeating per subject."""
    return Dataset(name, label, DatasetClass.TRIAL_DESIGN, structure, tuple(variables), domain=name,
                   repeating=False, reference_data=True)


def row_start(study: StudyDefinition, domain: str) -> Row:
    """The STUDYID and DOMAIN of a row."""
    return {"STUDYID": study.spec.study.protocol_id, "DOMAIN": domain}
