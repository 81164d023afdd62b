"""Small hand-built SDTM-like datasets for the export tests: DM, AE and VS with their codelists.

They carry what the writers must get right: partial ISO 8601 dates
("2026-03"), an optional variable left empty (DTHFL, AEENDTC), missing
numbers, a sponsor-defined codelist (ARMCD), a sponsor term extending an
extensible CDISC codelist (EPOCH), and float results (VSSTRESN).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from edc.export.formats.codelist import SubmissionCodelist, Term
from edc.export.formats.csvfile import write_csv
from edc.export.formats.datasetjson import write_dataset_json
from edc.export.formats.define import write_define
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
from edc.export.formats.study import StudyInfo
from edc.export.formats.xpt import write_xpt

CREATED = datetime(2026, 4, 1, 9, 30, 0, tzinfo=UTC)
DB_LAST_MODIFIED = datetime(2026, 3, 31, 18, 0, 0, tzinfo=UTC)

STUDY = StudyInfo(
    study_oid="IC19",
    name="IC19",
    description="CD19 CAR-T cells in refractory autoimmune disease, dose escalation",
    protocol_name="IC19-001",
    originator="EDC export tests",
    ct_version="2024-12-20",
    source_system_version="0.1.0",
)

COLLECTED = Origin(OriginType.COLLECTED, OriginSource.INVESTIGATOR)
ASSIGNED = Origin(OriginType.ASSIGNED, OriginSource.SPONSOR)
DERIVED = Origin(OriginType.DERIVED, OriginSource.SPONSOR)
PROTOCOL = Origin(OriginType.PROTOCOL)


def char(
    name: str,
    label: str,
    length: int,
    role: Role = Role.RECORD_QUALIFIER,
    *,
    origin: Origin = COLLECTED,
    codelist: str | None = None,
    mandatory: bool = False,
    key_sequence: int | None = None,
) -> Variable:
    return Variable(name, label, DataType.TEXT, role, origin, length=length, codelist=codelist, mandatory=mandatory,
                    key_sequence=key_sequence)


def identifiers() -> tuple[Variable, ...]:
    return (
        char("STUDYID", "Study Identifier", 8, Role.IDENTIFIER, origin=PROTOCOL, mandatory=True, key_sequence=1),
        char("DOMAIN", "Domain Abbreviation", 2, Role.IDENTIFIER, origin=ASSIGNED, mandatory=True),
        char("USUBJID", "Unique Subject Identifier", 20, Role.IDENTIFIER, origin=DERIVED, mandatory=True,
             key_sequence=2),
    )


SEX = SubmissionCodelist("CL.SEX", "Sex", (
    Term("F", "Female", "C16576"), Term("M", "Male", "C20197"),
), nci_code="C66731")
AGEU = SubmissionCodelist("CL.AGEU", "Age Unit", (Term("YEARS", nci_code="C29848"),), nci_code="C66781",
                          extensible=True)
NY = SubmissionCodelist("CL.NY", "No Yes Response", (
    Term("N", "No", "C49487"), Term("Y", "Yes", "C49488"),
), nci_code="C66742")
ARMCD = SubmissionCodelist("CL.ARMCD", "Planned Arm Code (sponsor-defined)", (
    Term("DL1", "Dose level 1: 1 x 10^6 CAR-T cells/kg"), Term("DL2", "Dose level 2: 3 x 10^6 CAR-T cells/kg"),
), sponsor_defined=True)
EPOCH = SubmissionCodelist("CL.EPOCH", "Epoch", (
    Term("SCREENING", nci_code="C48262"),
    Term("TREATMENT", nci_code="C101526"),
    Term("LYMPHODEPLETION", extended=True),
), nci_code="C99079", extensible=True)
CODELISTS = (SEX, AGEU, NY, ARMCD, EPOCH)

DM = Dataset("DM", "Demographics", DatasetClass.SPECIAL_PURPOSE, "One record per subject", (
    *identifiers(),
    char("SUBJID", "Subject Identifier for the Study", 8, Role.TOPIC, mandatory=True),
    Variable("RFSTDTC", "Subject Reference Start Date/Time", DataType.DATETIME, Role.RECORD_QUALIFIER, DERIVED,
             length=19),
    Variable("RFICDTC", "Date/Time of Informed Consent", DataType.DATE, Role.RECORD_QUALIFIER, COLLECTED,
             length=10),
    char("DTHFL", "Subject Death Flag", 1, codelist="CL.NY"),
    char("SITEID", "Study Site Identifier", 2, mandatory=True),
    Variable("AGE", "Age", DataType.INTEGER, Role.RECORD_QUALIFIER, DERIVED),
    char("AGEU", "Age Units", 5, Role.VARIABLE_QUALIFIER, codelist="CL.AGEU", origin=ASSIGNED),
    char("SEX", "Sex", 1, codelist="CL.SEX", mandatory=True),
    char("ARMCD", "Planned Arm Code", 8, codelist="CL.ARMCD", origin=ASSIGNED),
    char("ARM", "Description of Planned Arm", 60, Role.SYNONYM_QUALIFIER, origin=ASSIGNED),
), repeating=False)

DM_ROWS: list[dict[str, object]] = [
    {"STUDYID": "IC19", "DOMAIN": "DM", "USUBJID": "IC19-01-001", "SUBJID": "001", "RFSTDTC": "2026-03",
     "RFICDTC": "2026-02-10", "DTHFL": "", "SITEID": "01", "AGE": 34, "AGEU": "YEARS", "SEX": "F",
     "ARMCD": "DL1", "ARM": "Dose level 1: 1 x 10^6 CAR-T cells/kg"},
    {"STUDYID": "IC19", "DOMAIN": "DM", "USUBJID": "IC19-01-002", "SUBJID": "002", "RFSTDTC": "2026-03-18T08:15",
     "RFICDTC": "2026-02", "DTHFL": None, "SITEID": "01", "AGE": None, "AGEU": "", "SEX": "M",
     "ARMCD": "DL1", "ARM": "Dose level 1: 1 x 10^6 CAR-T cells/kg"},
    {"STUDYID": "IC19", "DOMAIN": "DM", "USUBJID": "IC19-02-003", "SUBJID": "003", "RFSTDTC": "",
     "RFICDTC": "2026", "DTHFL": "", "SITEID": "02", "AGE": 61, "AGEU": "YEARS", "SEX": "F",
     "ARMCD": "DL2", "ARM": "Dose level 2: 3 x 10^6 CAR-T cells/kg, \"split\" dose"},
]

AE = Dataset("AE", "Adverse Events", DatasetClass.EVENTS, "One record per adverse event per subject", (
    *identifiers(),
    Variable("AESEQ", "Sequence Number", DataType.INTEGER, Role.IDENTIFIER, DERIVED, mandatory=True,
             key_sequence=4),
    char("AETERM", "Reported Term for the Adverse Event", 200, Role.TOPIC, mandatory=True),
    char("AEDECOD", "Dictionary-Derived Term", 100, Role.SYNONYM_QUALIFIER, origin=Origin(OriginType.ASSIGNED,
         OriginSource.VENDOR, "MedDRA 28.1"), key_sequence=3),
    char("AETOXGR", "Standard Toxicity Grade", 1, Role.RECORD_QUALIFIER),
    char("AESER", "Serious Event", 1, codelist="CL.NY"),
    char("EPOCH", "Epoch", 15, Role.TIMING, codelist="CL.EPOCH", origin=DERIVED),
    Variable("AESTDTC", "Start Date/Time of Adverse Event", DataType.DATETIME, Role.TIMING, COLLECTED, length=19),
    Variable("AEENDTC", "End Date/Time of Adverse Event", DataType.DATETIME, Role.TIMING, COLLECTED, length=19),
    Variable("AESTDY", "Study Day of Start of Adverse Event", DataType.INTEGER, Role.TIMING, DERIVED),
))

AE_ROWS: list[dict[str, object]] = [
    {"STUDYID": "IC19", "DOMAIN": "AE", "USUBJID": "IC19-01-001", "AESEQ": 1, "AETERM": "Cytokine release syndrome",
     "AEDECOD": "Cytokine release syndrome", "AETOXGR": "2", "AESER": "Y", "EPOCH": "TREATMENT",
     "AESTDTC": "2026-03-20T14:05", "AEENDTC": "", "AESTDY": 3},
    {"STUDYID": "IC19", "DOMAIN": "AE", "USUBJID": "IC19-01-001", "AESEQ": 2, "AETERM": "Neutropenia, febrile",
     "AEDECOD": "Febrile neutropenia", "AETOXGR": "3", "AESER": "N", "EPOCH": "LYMPHODEPLETION",
     "AESTDTC": "2026-03", "AEENDTC": "2026-04-02", "AESTDY": None},
    {"STUDYID": "IC19", "DOMAIN": "AE", "USUBJID": "IC19-01-002", "AESEQ": 1, "AETERM": "Headache",
     "AEDECOD": "Headache", "AETOXGR": "1", "AESER": "N", "EPOCH": "SCREENING",
     "AESTDTC": "2026-03-01", "AEENDTC": "2026-03-02", "AESTDY": -17},
]

VS = Dataset("VS", "Vital Signs", DatasetClass.FINDINGS, "One record per vital sign measurement per time point", (
    *identifiers(),
    Variable("VSSEQ", "Sequence Number", DataType.INTEGER, Role.IDENTIFIER, DERIVED, mandatory=True),
    char("VSTESTCD", "Vital Signs Test Short Name", 8, Role.TOPIC, mandatory=True, key_sequence=3),
    Variable("VSSTRESN", "Numeric Result/Finding in Standard Units", DataType.FLOAT, Role.RESULT_QUALIFIER,
             DERIVED, significant_digits=1),
    Variable("VSDTC", "Date/Time of Measurements", DataType.DATETIME, Role.TIMING, COLLECTED, length=19,
             key_sequence=4),
))

VS_ROWS: list[dict[str, object]] = [
    {"STUDYID": "IC19", "DOMAIN": "VS", "USUBJID": "IC19-01-001", "VSSEQ": 1, "VSTESTCD": "WEIGHT",
     "VSSTRESN": 61.5, "VSDTC": "2026-03-18T07:40"},
    {"STUDYID": "IC19", "DOMAIN": "VS", "USUBJID": "IC19-01-001", "VSSEQ": 2, "VSTESTCD": "OXYSAT",
     "VSSTRESN": 97.0, "VSDTC": "2026-03-20T14:30:00"},
    {"STUDYID": "IC19", "DOMAIN": "VS", "USUBJID": "IC19-01-001", "VSSEQ": 3, "VSTESTCD": "TEMP",
     "VSSTRESN": None, "VSDTC": "2026-03-21"},
    {"STUDYID": "IC19", "DOMAIN": "VS", "USUBJID": "IC19-01-002", "VSSEQ": 1, "VSTESTCD": "TEMP",
     "VSSTRESN": 38.7, "VSDTC": "2026-03"},
]

SAMPLES = ((DM, DM_ROWS), (AE, AE_ROWS), (VS, VS_ROWS))


def export_all(directory: Path, created: datetime = CREATED) -> list[Path]:
    """Every format of every sample dataset and the define.xml, as a full export would write them."""
    written: list[Path] = []
    for dataset, rows in SAMPLES:
        written.append(write_xpt(directory, dataset, rows, created=created))
        written.append(write_dataset_json(directory, dataset, rows, study=STUDY, created=created,
                                          db_last_modified=DB_LAST_MODIFIED))
        written.append(write_csv(directory, dataset, rows))
    written.append(write_define(directory, STUDY, [dataset for dataset, _ in SAMPLES], CODELISTS, created=created))
    return written
