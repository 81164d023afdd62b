"""The codelists a submission declares: the study's (submission values), each findings dataset's --TESTCD/--TEST,
and the external dictionaries (MedDRA, WHODrug) its coded variables take their values from."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import DICTIONARIES, LEVELS
from edc.definitions.sdtm.model import DomainSpec, SpecSet, findings_items
from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.metadata import DataType

NO_DICTIONARIES: Mapping[str, str] = MappingProxyType({})

TEST_DERIVATIONS = {"test_code": "TESTCD", "test_name": "TEST"}
"""Findings variables whose terms come from the terminology file: their codelist is the domain's --TESTCD/--TEST."""


def codelist_oid(codelist_id: str) -> str:
    """The define.xml CodeList OID of a study codelist, as `dataset_metadata` refers to it."""
    return f"CL.{codelist_id.upper()}"


def test_codelist_oid(dataset: str, suffix: str) -> str:
    """The OID of a dataset's test-code (suffix TESTCD) or test-name (TEST) codelist."""
    return f"CL.{dataset}{suffix}"


def dictionary_codelist_oid(kind: str, data_type: str) -> str:
    """The CodeList OID of an external dictionary for variables of `data_type` (MedDRA's codes are numbers)."""
    return f"CL.{kind.upper()}" + (".CODE" if data_type == DataType.INTEGER.value else "")


def export_codelists(study: StudyDefinition, specs: SpecSet,
                     dictionaries: Mapping[str, str] = NO_DICTIONARIES) -> tuple[SubmissionCodelist, ...]:
    """The codelists the specs' variables use: the study's, with the submission values SDTM receives as
    terms, each findings dataset's --TESTCD/--TEST lists from the terminology file (the tests the
    study's forms collect), and the study's dictionaries (kind -> release version), as external codelists.

    A study codelist without an NCI code is sponsor-defined; the NCI codes of
    single study terms are not in the study definition and stay out.
    """
    used = sorted({v.codelist for d in specs.domains.values() for v in (*d.spec.variables, *d.spec.qualifiers)
                   if v.codelist})
    study_lists = tuple(
        SubmissionCodelist(codelist_oid(cid), study.codelists[cid].name,
                 tuple(Term(v.submitted, v.decode) for v in study.codelists[cid].values),
                 nci_code=study.codelists[cid].nci_code, sponsor_defined=study.codelists[cid].nci_code is None)
        for cid in used
    )
    tests = tuple(c for d in specs.domains.values() for c in _test_codelists(study, specs, d))
    return study_lists + tests + _dictionary_codelists(dictionaries)


def _dictionary_codelists(dictionaries: Mapping[str, str]) -> tuple[SubmissionCodelist, ...]:
    """One external codelist per dictionary and value type: define.xml names the dictionary and its version."""
    lists = []
    for kind, version in sorted(dictionaries.items()):
        for data_type in sorted(set(LEVELS[kind].values()), reverse=True):  # text first
            name = DICTIONARIES[kind] + (" codes" if data_type == DataType.INTEGER.value else "")
            lists.append(SubmissionCodelist(dictionary_codelist_oid(kind, data_type), name, (),
                                            data_type=DataType(data_type), external=(kind.upper(), version)))
    return tuple(lists)


def _test_codelists(study: StudyDefinition, specs: SpecSet, domain: DomainSpec) -> list[SubmissionCodelist]:
    derived = {v.derive for v in domain.spec.variables}
    forms = [study.forms[b.form] for b in domain.blocks if b.findings and b.form is not None]
    codes = sorted({i.sdtm.testcd for form in forms for i in findings_items(form, domain.name)
                    if i.sdtm and i.sdtm.testcd})
    if not codes:
        return []
    info = specs.terminology.codelists[domain.name]
    terms = [specs.terminology.tests[domain.name][code] for code in codes]
    cdisc = not info.sponsor and info.nci_code is not None
    lists = []
    if "test_code" in derived:
        lists.append(SubmissionCodelist(
            test_codelist_oid(domain.name, "TESTCD"), info.name,
            tuple(Term(t.testcd, t.test, t.nci_code if cdisc else None, extended=cdisc and t.sponsor) for t in terms),
            nci_code=info.nci_code if cdisc else None, extensible=cdisc, sponsor_defined=not cdisc))
    if "test_name" in derived:
        lists.append(SubmissionCodelist(
            test_codelist_oid(domain.name, "TEST"), info.name.replace("Code", "Name"),
            tuple(Term(t.test, None, None, extended=cdisc and t.sponsor) for t in terms),
            extensible=cdisc, sponsor_defined=not cdisc))
    return lists
