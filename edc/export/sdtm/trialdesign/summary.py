"""TS, Trial Summary: one row per parameter value, coded values with their NCI codes, long values split."""

from __future__ import annotations

from dataclasses import dataclass

from edc.definitions.catalog import StudyDefinition
from edc.export.formats.metadata import Dataset, Role
from edc.export.sdtm.arms import planned_arms
from edc.export.sdtm.trialdesign.common import (
    ASSIGNED_ORIGIN,
    CT_VERSION,
    MAX_TEXT,
    SDTMIG_VERSION,
    Design,
    DesignError,
    Row,
    design_dataset,
    identifier_variables,
    number_variable,
    row_start,
    text_variable,
)


@dataclass(frozen=True)
class _Parameter:
    """One TS value: parameter code and name, the value, and where its code comes from."""

    code: str
    name: str
    value: str
    value_code: str | None = None
    reference: str | None = None
    version: str | None = None


_NY_NO = "C49487"
_PHASES = {
    "EARLY PHASE 1": ("PHASE 0 TRIAL", "C54721"),
    "PHASE I TRIAL": ("PHASE I TRIAL", "C15600"),
    "PHASE I/II TRIAL": ("PHASE I/II TRIAL", "C15693"),
    "PHASE II TRIAL": ("PHASE II TRIAL", "C15601"),
    "NOT APPLICABLE": ("NOT APPLICABLE", "C48660"),
}
"""The study definition's phase -> the CDISC TPHASE term and its NCI code."""

_REGISTRIES = {"nct": "ClinicalTrials.gov", "eudract": "EudraCT", "ctis": "CTIS", "chictr": "ChiCTR",
               "isrctn": "ISRCTN", "jrct": "jRCT"}
"""Registry keys of the study definition -> TSVCDREF of their REGID values."""


def trial_summary(study: StudyDefinition, *, ct_version: str = CT_VERSION) -> Design:
    """TS: one row per parameter value, by TSPARMCD and TSSEQ."""
    parameters = sorted(_parameters(study, ct_version), key=lambda p: p.code)  # stable: keeps registry order
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for parameter in parameters:
        seen[parameter.code] = seen.get(parameter.code, 0) + 1
        rows.append(_ts_row(study, parameter, seen[parameter.code]))
    parts = max(len(_split_words(str(row["TSVAL"]), MAX_TEXT)) for row in rows)
    return _ts_metadata(parts), [_ts_split(row, parts) for row in rows]


def _parameters(study: StudyDefinition, ct_version: str) -> list[_Parameter]:
    """The TS parameters the study definition gives values for."""
    meta = study.spec.study
    phase, phase_code = _PHASES[meta.phase]

    def coded(code: str, name: str, value: str, nci: str) -> _Parameter:
        return _Parameter(code, name, value, nci, "CDISC CT", ct_version)

    return [
        _Parameter("TITLE", "Trial Title", " ".join(meta.title.split())),
        coded("TPHASE", "Trial Phase Classification", phase, phase_code),
        coded("STYPE", "Study Type", meta.study_type, "C98388"),
        coded("TTYPE", "Trial Type", "SAFETY", "C49667"),
        coded("RANDOM", "Trial is Randomized", "N", _NY_NO),
        coded("TBLIND", "Trial Blinding Schema", "OPEN LABEL", "C49659"),
        coded("INTMODEL", "Intervention Model", "SINGLE GROUP", "C82639"),
        _Parameter("PLANSUB", "Planned Number of Subjects", str(meta.planned_enrolment)),
        _Parameter("AGEMIN", "Planned Minimum Age of Subjects", f"P{meta.age.min}Y", reference="ISO 8601"),
        _Parameter("AGEMAX", "Planned Maximum Age of Subjects", f"P{meta.age.max}Y", reference="ISO 8601"),
        coded("SEXPOP", "Sex of Participants", "BOTH", "C49636"),
        _Parameter("SPONSOR", "Clinical Study Sponsor", meta.sponsor),
        _Parameter("TRT", "Investigational Therapy or Treatment", meta.product.name),
        _Parameter("INDIC", "Trial Disease/Condition Indication", meta.indication),
        _Parameter("SDTIGVER", "SDTM IG Version", SDTMIG_VERSION),
        _Parameter("NARMS", "Planned Number of Arms", str(len(planned_arms(study)))),
        coded("ADDON", "Added on to Existing Treatments", "N", _NY_NO),
        *(_Parameter("REGID", "Registry Identifier", number, number, _REGISTRIES.get(key, key.upper()))
          for key, number in sorted(meta.registry.items())),
        *(_Parameter(p.code, p.name, " ".join(p.value.split()), p.value_code, p.reference,
                     p.version or (ct_version if p.reference == "CDISC CT" else None))
          for p in meta.trial_summary),
    ]


def _ts_row(study: StudyDefinition, parameter: _Parameter, seq: int) -> Row:
    """One TS row, TSVAL whole (`_ts_split` splits it)."""
    return {**row_start(study, "TS"), "TSSEQ": seq, "TSPARMCD": parameter.code, "TSPARM": parameter.name,
            "TSVAL": parameter.value, "TSVALCD": parameter.value_code, "TSVCDREF": parameter.reference,
            "TSVCDVER": parameter.version}


def _ts_split(row: Row, parts: int) -> Row:
    """The row with TSVAL split over TSVAL, TSVAL1... (`parts` columns in all, the unused ones empty)."""
    pieces = _split_words(str(row["TSVAL"]), MAX_TEXT)
    pieces += [None] * (parts - len(pieces))
    split: Row = {}
    for name, value in row.items():
        if name != "TSVAL":
            split[name] = value
            continue
        split["TSVAL"] = pieces[0]
        split.update({f"TSVAL{index}": piece for index, piece in enumerate(pieces[1:], start=1)})
    return split


def _split_words(text: str, limit: int) -> list[str | None]:
    """`text` in pieces of at most `limit` characters, cut at spaces (dropped: join with one space to rebuild)."""
    pieces: list[str | None] = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            raise DesignError(f"cannot split {text[:40]!r}...: no space within its first {limit} characters")
        pieces.append(text[:cut])
        text = text[cut + 1:]
    pieces.append(text)
    return pieces


#: The parts of a split TSVAL by number, in words: a label is in title case (SDTMIG 3.4 2.6, CORE-000594), and
#: CORE's check of it takes a word starting with a digit for one not capitalised.
_PART = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten")


def _ts_metadata(parts: int) -> Dataset:
    """TS with TSVAL1..TSVAL(parts-1) declared only when some value needs them (TSVAL1 "Parameter Value Part
    Two": TSVAL holds part one)."""
    if parts > len(_PART):
        raise DesignError(f"a trial summary value needs {parts} parts of {MAX_TEXT} characters; at most "
                          f"{len(_PART)} are written: shorten it")
    extra = [text_variable(f"TSVAL{index}", f"Parameter Value Part {_PART[index]}", Role.RESULT_QUALIFIER,
                           MAX_TEXT) for index in range(1, parts)]
    variables = [
        *identifier_variables(),
        number_variable("TSSEQ", "Sequence Number", Role.IDENTIFIER, mandatory=True, key=3, origin=ASSIGNED_ORIGIN),
        text_variable("TSPARMCD", "Trial Summary Parameter Short Name", Role.TOPIC, 8, mandatory=True, key=2),
        text_variable("TSPARM", "Trial Summary Parameter", Role.SYNONYM_QUALIFIER, 40, mandatory=True),
        text_variable("TSVAL", "Parameter Value", Role.RESULT_QUALIFIER, MAX_TEXT),
        *extra,
        text_variable("TSVALCD", "Parameter Value Code", Role.RESULT_QUALIFIER, 20),
        text_variable("TSVCDREF", "Name of the Reference Terminology", Role.RESULT_QUALIFIER, 20),
        text_variable("TSVCDVER", "Version of the Reference Terminology", Role.RESULT_QUALIFIER, 20),
    ]
    return design_dataset("TS", "Trial Summary", "One record per trial summary parameter value", variables)
