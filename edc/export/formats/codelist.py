"""The codelist model the writers take: a `SubmissionCodelist` of `Term`s, CDISC (NCI codes) or sponsor-defined,
or a reference to an external dictionary (MedDRA, WHODrug) and its version."""

from __future__ import annotations

from dataclasses import dataclass

from edc.export.formats.metadata import DataType


@dataclass(frozen=True)
class Term:
    """One term of a codelist.

    `extended` marks a sponsor's term added to an extensible CDISC codelist
    (Define-XML def:ExtendedValue="Yes"); such a term has no NCI code.
    """

    value: str
    decode: str | None = None
    nci_code: str | None = None
    extended: bool = False


@dataclass(frozen=True)
class SubmissionCodelist:
    """A codelist: CDISC controlled terminology (with NCI codes) or sponsor-defined.

    `id` is the CodeList OID variables refer to (e.g. "CL.AESEV"). A
    codelist with a decode on any term is written as CodeListItems, one
    without decodes as EnumeratedItems. An `external` one, (dictionary,
    version), lists no terms: define.xml names the dictionary
    (def:ExternalCodeList) and the values are the dictionary's.
    """

    id: str
    name: str
    terms: tuple[Term, ...]
    data_type: DataType = DataType.TEXT
    nci_code: str | None = None
    extensible: bool = False
    sponsor_defined: bool = False
    external: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        problems = _codelist_problems(self)
        if problems:
            raise ValueError(f"codelist {self.id!r}: " + "; ".join(problems))

    @property
    def has_decodes(self) -> bool:
        return any(term.decode is not None for term in self.terms)


def _codelist_problems(codelist: SubmissionCodelist) -> list[str]:
    problems = []
    if not codelist.id:
        problems.append("a codelist needs an id")
    if codelist.external is not None:
        if codelist.terms or codelist.nci_code is not None or not all(codelist.external):
            problems.append("an external dictionary's codelist names the dictionary and its version, no terms")
    elif not codelist.terms:
        problems.append("a codelist needs terms")
    if codelist.data_type not in (DataType.TEXT, DataType.INTEGER, DataType.FLOAT):
        problems.append(f"a codelist's data type is text, integer or float, not {codelist.data_type.value}")
    values = [term.value for term in codelist.terms]
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        problems.append(f"terms listed twice: {', '.join(duplicates)}")
    if codelist.has_decodes and any(term.decode is None for term in codelist.terms):
        problems.append("either every term has a decode or none has")
    if codelist.sponsor_defined and codelist.nci_code is not None:
        problems.append("a sponsor-defined codelist has no NCI code")
    for term in codelist.terms:
        if term.extended and (codelist.sponsor_defined or not codelist.extensible):
            problems.append(f"term {term.value!r} extends a codelist that is not an extensible CDISC codelist")
        if term.extended and term.nci_code is not None:
            problems.append(f"term {term.value!r} is a sponsor extension and has no NCI code")
    return problems
