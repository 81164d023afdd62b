"""The SDTM trial design datasets TS, TA, TE, TV and TI (SDTMIG 3.4 chapter 7), built from a study definition.

Pure: no database, no clock. `design_datasets` returns each dataset's
metadata and its rows in key order, ready for `edc.export.validate` and the
writers; nothing here reads captured data.

Decisions:
- Arms (TA): one per dose level, ARMCD the dose level id (DL1), ARM its
  label, as DM derives them; every arm runs through the same elements.
- Elements (TE), in order: screening SCRN (SCREENING), leukapheresis LEUK
  (TREATMENT, only when a visit collects the leukapheresis form: autologous
  products; the visits put it in TREATMENT), lymphodepletion LD and CAR-T
  infusion CART (TREATMENT), follow-up FU (FOLLOW-UP), and long-term
  follow-up LTFU (LONG-TERM FOLLOW-UP) only when visits have that epoch.
  TESTRL/TEENRL are text rules in protocol days (Day 0 = the infusion), one
  element's end the next one's start. TEDUR only where the protocol fixes
  it: LD from its first dose to the infusion (P5D for Day -5), CART one day.
  TABRANCH and TATRANS are empty (no branches, no transitions).
- Visits (TV): one row per scheduled visit, the same for all arms (ARMCD
  empty). VISITDY is the SDTM study day of the protocol day: day + 1 from
  Day 0 (the infusion, study day 1, as RFSTDTC is the infusion) on, the day
  itself before it; never 0. TVSTRL states the day and window in words.
- Criteria (TI): one row per eligibility criterion, IETESTCD its id (at
  most 8 characters), IETEST its text, IECAT INCLUSION/EXCLUSION, TIVERS the
  study definition's version. A text over 200 characters is cut at a word
  and ends with "..." (`edc.export.derivations.criterion_test`, the same
  text IE gives), as SDTMIG 3.4 allows with the full text in the protocol;
  a short text written by the trial team would read better.
- Summary (TS): TSSEQ numbers the values of one parameter (1, 2... for
  several registry ids). Coded values carry their NCI code with TSVCDREF
  "CDISC CT" and TSVCDVER the terminology release; ages are ISO 8601
  durations (TSVCDREF "ISO 8601"); registry ids are their own code
  (TSVCDREF the registry). The study's "EARLY PHASE 1" (ClinicalTrials.gov's
  name for what was "Phase 0") is submitted as the CDISC term PHASE 0 TRIAL.
  No actual subject count (ACTSUB): the definition does not know it.
- A TSVAL longer than 200 characters (a long title) is split between words
  into TSVAL, TSVAL1, TSVAL2... of at most 200 each (SDTMIG 3.4 section
  4.5.3.2); joining the parts with single spaces gives the text back. The
  TSVALn columns are declared only when some value needs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edc.definitions.catalog import StudyDefinition
from edc.definitions.model import Criterion, ScheduledVisit
from edc.export.derivations import criterion_test, day_number
from edc.export.metadata import Dataset, DatasetClass, DataType, Origin, OriginSource, OriginType, Role, Variable

DESIGN_DATASETS = ("TS", "TA", "TE", "TV", "TI")
"""The trial design datasets, in the order `design_datasets` returns them."""

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


# --- public API ------------------------------------------------------------------------------------

def design_datasets(study: StudyDefinition, *, ct_version: str = CT_VERSION) -> list[Design]:
    """TS, TA, TE, TV, TI in that order: metadata and rows, rows in key order.

    Raises `DesignError` when a criterion's id or text does not fit TI.
    """
    return [trial_summary(study, ct_version=ct_version), trial_arms(study), trial_elements(study),
            trial_visits(study), trial_criteria(study)]


# --- variables -------------------------------------------------------------------------------------

_PROTOCOL = Origin(OriginType.PROTOCOL)
_ASSIGNED = Origin(OriginType.ASSIGNED, OriginSource.SPONSOR)


def _text(name: str, label: str, role: Role, length: int, *, mandatory: bool = False, key: int | None = None,
          origin: Origin = _PROTOCOL) -> Variable:
    """A character variable, from the protocol unless told."""
    return Variable(name, label, DataType.TEXT, role, origin, length=length, mandatory=mandatory, key_sequence=key)


def _number(name: str, label: str, role: Role, data_type: DataType = DataType.INTEGER, *, mandatory: bool = False,
            key: int | None = None, origin: Origin = _PROTOCOL) -> Variable:
    """A numeric variable, from the protocol unless told."""
    return Variable(name, label, data_type, role, origin, mandatory=mandatory, key_sequence=key)


def _identifiers() -> tuple[Variable, Variable]:
    """STUDYID (key 1) and DOMAIN, which open every trial design dataset."""
    return (_text("STUDYID", "Study Identifier", Role.IDENTIFIER, 20, mandatory=True, key=1, origin=_ASSIGNED),
            _text("DOMAIN", "Domain Abbreviation", Role.IDENTIFIER, 2, mandatory=True, origin=_ASSIGNED))


def _dataset(name: str, label: str, structure: str, variables: Sequence[Variable]) -> Dataset:
    """A trial design dataset: reference data, not repeating per subject."""
    return Dataset(name, label, DatasetClass.TRIAL_DESIGN, structure, tuple(variables), domain=name,
                   repeating=False, reference_data=True)


def _start(study: StudyDefinition, domain: str) -> Row:
    """The STUDYID and DOMAIN of a row."""
    return {"STUDYID": study.spec.study.protocol_id, "DOMAIN": domain}


# --- TS ------------------------------------------------------------------------------------------

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
        _Parameter("NARMS", "Planned Number of Arms", str(len(study.spec.dose_levels))),
        coded("ADDON", "Added on to Existing Treatments", "N", _NY_NO),
        *(_Parameter("REGID", "Registry Identifier", number, number, _REGISTRIES.get(key, key.upper()))
          for key, number in sorted(meta.registry.items())),
    ]


def _ts_row(study: StudyDefinition, parameter: _Parameter, seq: int) -> Row:
    """One TS row, TSVAL whole (`_ts_split` splits it)."""
    return {**_start(study, "TS"), "TSSEQ": seq, "TSPARMCD": parameter.code, "TSPARM": parameter.name,
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


def _ts_metadata(parts: int) -> Dataset:
    """TS with TSVAL1..TSVAL(parts-1) declared only when some value needs them."""
    extra = [_text(f"TSVAL{index}", f"Parameter Value {index}", Role.RESULT_QUALIFIER, MAX_TEXT)
             for index in range(1, parts)]
    variables = [
        *_identifiers(),
        _number("TSSEQ", "Sequence Number", Role.IDENTIFIER, mandatory=True, key=3, origin=_ASSIGNED),
        _text("TSPARMCD", "Trial Summary Parameter Short Name", Role.TOPIC, 8, mandatory=True, key=2),
        _text("TSPARM", "Trial Summary Parameter", Role.SYNONYM_QUALIFIER, 40, mandatory=True),
        _text("TSVAL", "Parameter Value", Role.RESULT_QUALIFIER, MAX_TEXT),
        *extra,
        _text("TSVALCD", "Parameter Value Code", Role.RESULT_QUALIFIER, 20),
        _text("TSVCDREF", "Name of the Reference Terminology", Role.RESULT_QUALIFIER, 20),
        _text("TSVCDVER", "Version of the Reference Terminology", Role.RESULT_QUALIFIER, 20),
    ]
    return _dataset("TS", "Trial Summary", "One record per trial summary parameter value", variables)


# --- TE and TA -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Element:
    """One planned element: code, description, epoch, start and end rules, planned duration."""

    etcd: str
    element: str
    epoch: str
    start: str
    end: str
    duration: str | None = None


_INFUSION_START = "Start of the CAR-T infusion (Day 0)"
_INFUSION_END = "24 hours after the start of the CAR-T infusion (Day 1)"


def _elements(study: StudyDefinition) -> list[_Element]:
    """The elements every arm passes through, in order, each ending where the next starts."""
    ld_day = _form_visit_day(study, "lymphodepletion")
    ld_start = f"Start of lymphodepletion (Day {ld_day})" if ld_day is not None else "Start of lymphodepletion"
    leukapheresis = _form_visit_day(study, "leukapheresis") is not None
    elements = [_Element("SCRN", "Screening", "SCREENING", "Informed consent signed",
                         "Start of leukapheresis" if leukapheresis else ld_start)]
    if leukapheresis:
        elements.append(_Element("LEUK", "Leukapheresis", "TREATMENT", "Start of leukapheresis", ld_start))
    elements += [
        _Element("LD", "Lymphodepletion", "TREATMENT", ld_start, _INFUSION_START,
                 f"P{-ld_day}D" if ld_day is not None and ld_day < 0 else None),
        _Element("CART", "CAR-T infusion", "TREATMENT", _INFUSION_START, _INFUSION_END, "P1D"),
    ]
    return elements + _follow_up(study)


def _follow_up(study: StudyDefinition) -> list[_Element]:
    """FU, then LTFU when the schedule has long-term follow-up visits."""
    follow_up = _last_visit(study, "FOLLOW-UP")
    long_term = _last_visit(study, "LONG-TERM FOLLOW-UP")
    if long_term is None:
        return [_Element("FU", "Follow-up", "FOLLOW-UP", _INFUSION_END, _completion(follow_up))]
    first_long_term = min((v for v in study.visits if v.epoch == "LONG-TERM FOLLOW-UP"), key=lambda v: v.day)
    long_term_start = f"Start of long-term follow-up (Day {first_long_term.day} visit window)"
    return [_Element("FU", "Follow-up", "FOLLOW-UP", _INFUSION_END, long_term_start),
            _Element("LTFU", "Long-term follow-up", "LONG-TERM FOLLOW-UP", long_term_start, _completion(long_term))]


def _completion(visit: ScheduledVisit | None) -> str:
    """The end rule of the last element of an epoch: its last visit done, or withdrawal."""
    if visit is None:
        return "End of study or early withdrawal"
    return f"Completion of the {visit.name} visit (Day {visit.day}) or early withdrawal"


def _form_visit_day(study: StudyDefinition, form_id: str) -> int | None:
    """The protocol day of the first scheduled visit collecting `form_id`, None when no visit does."""
    days = [visit.day for visit in study.visits if form_id in visit.forms]
    return min(days) if days else None


def _last_visit(study: StudyDefinition, epoch: str) -> ScheduledVisit | None:
    """The latest scheduled visit of `epoch`, None when the schedule has none."""
    visits = [visit for visit in study.visits if visit.epoch == epoch]
    return max(visits, key=lambda v: (v.day, v.visitnum)) if visits else None


def trial_elements(study: StudyDefinition) -> Design:
    """TE: one row per element, by ETCD."""
    rows: list[Row] = [
        {**_start(study, "TE"), "ETCD": e.etcd, "ELEMENT": e.element, "TESTRL": e.start, "TEENRL": e.end,
         "TEDUR": e.duration}
        for e in sorted(_elements(study), key=lambda e: e.etcd)
    ]
    variables = [
        *_identifiers(),
        _text("ETCD", "Element Code", Role.TOPIC, 8, mandatory=True, key=2),
        _text("ELEMENT", "Description of Element", Role.SYNONYM_QUALIFIER, 40, mandatory=True),
        _text("TESTRL", "Rule for Start of Element", Role.RULE, MAX_TEXT, mandatory=True),
        _text("TEENRL", "Rule for End of Element", Role.RULE, MAX_TEXT),
        _text("TEDUR", "Planned Duration of Element", Role.TIMING, 10),
    ]
    return _dataset("TE", "Trial Elements", "One record per planned Element", variables), rows


def trial_arms(study: StudyDefinition) -> Design:
    """TA: one row per arm (dose level) and element, by ARMCD and TAETORD."""
    elements = _elements(study)
    rows: list[Row] = [
        {**_start(study, "TA"), "ARMCD": level.id, "ARM": level.label, "TAETORD": order, "ETCD": element.etcd,
         "ELEMENT": element.element, "TABRANCH": None, "TATRANS": None, "EPOCH": element.epoch}
        for level in sorted(study.spec.dose_levels, key=lambda level: level.id)
        for order, element in enumerate(elements, start=1)
    ]
    variables = [
        *_identifiers(),
        _text("ARMCD", "Planned Arm Code", Role.TOPIC, 20, mandatory=True, key=2),
        _text("ARM", "Description of Planned Arm", Role.SYNONYM_QUALIFIER, MAX_TEXT, mandatory=True),
        _number("TAETORD", "Planned Order of Element within Arm", Role.TIMING, mandatory=True, key=3),
        _text("ETCD", "Element Code", Role.RECORD_QUALIFIER, 8, mandatory=True),
        _text("ELEMENT", "Description of Element", Role.SYNONYM_QUALIFIER, 40),
        _text("TABRANCH", "Branch", Role.RULE, MAX_TEXT),
        _text("TATRANS", "Transition Rule", Role.RULE, MAX_TEXT),
        _text("EPOCH", "Epoch", Role.TIMING, 40, mandatory=True),
    ]
    return _dataset("TA", "Trial Arms", "One record per planned Element per Arm", variables), rows


# --- TV --------------------------------------------------------------------------------------------

def trial_visits(study: StudyDefinition) -> Design:
    """TV: one row per scheduled visit, the same for every arm, by VISITNUM."""
    rows: list[Row] = [
        {**_start(study, "TV"), "VISITNUM": visit.visitnum, "VISIT": visit.name, "VISITDY": visit_study_day(visit.day),
         "ARMCD": None, "TVSTRL": visit_start_rule(visit), "TVENRL": None}
        for visit in sorted(study.visits, key=lambda v: v.visitnum)
    ]
    variables = [
        *_identifiers(),
        _number("VISITNUM", "Visit Number", Role.TOPIC, DataType.FLOAT, mandatory=True, key=2),
        _text("VISIT", "Visit Name", Role.SYNONYM_QUALIFIER, MAX_TEXT),
        _number("VISITDY", "Planned Study Day of Visit", Role.TIMING),
        _text("ARMCD", "Planned Arm Code", Role.RECORD_QUALIFIER, 20),
        _text("TVSTRL", "Visit Start Rule", Role.RULE, MAX_TEXT, mandatory=True),
        _text("TVENRL", "Visit End Rule", Role.RULE, MAX_TEXT),
    ]
    return _dataset("TV", "Trial Visits", "One record per planned Visit per Arm", variables), rows


def visit_study_day(protocol_day: int) -> int:
    """The SDTM study day of a protocol day: Day 0 (the infusion) is study day 1, days before keep their number."""
    return day_number(protocol_day)


def visit_start_rule(visit: ScheduledVisit) -> str:
    """TVSTRL in words: "Day 28 after the CAR-T infusion (window -3/+3 days)"."""
    if visit.day > 0:
        when = f"Day {visit.day} after the CAR-T infusion"
    elif visit.day == 0:
        when = "Day 0, the day of the CAR-T infusion"
    else:
        when = f"Day {visit.day}, {-visit.day} days before the CAR-T infusion"
    window = visit.window
    if window.before == window.after == 0:
        return f"{when} (no window)"
    return f"{when} (window -{window.before}/+{window.after} days)"


# --- TI --------------------------------------------------------------------------------------------

def trial_criteria(study: StudyDefinition) -> Design:
    """TI: one row per eligibility criterion, by IETESTCD; refuses ids over 8 characters."""
    criteria = study.spec.eligibility.criteria
    problems = [problem for criterion in criteria for problem in _criterion_problems(criterion)]
    if problems:
        raise DesignError(f"TI cannot hold the eligibility criteria of {study.id} {study.version}: "
                          + "; ".join(problems))
    rows: list[Row] = [
        {**_start(study, "TI"), "IETESTCD": criterion.id, "IETEST": criterion_test(" ".join(criterion.text.split())),
         "IECAT": criterion.kind.upper(), "TIVERS": study.version}
        for criterion in sorted(criteria, key=lambda c: c.id)
    ]
    variables = [
        *_identifiers(),
        _text("IETESTCD", "Incl/Excl Criterion Short Name", Role.TOPIC, MAX_TESTCD, mandatory=True, key=3),
        _text("IETEST", "Inclusion/Exclusion Criterion", Role.SYNONYM_QUALIFIER, MAX_TEXT, mandatory=True),
        _text("IECAT", "Inclusion/Exclusion Category", Role.GROUPING_QUALIFIER, 9, mandatory=True),
        _text("TIVERS", "Protocol Criteria Versions", Role.RECORD_QUALIFIER, 20, key=2),
    ]
    return _dataset("TI", "Trial Inclusion/Exclusion Criteria", "One record per I/E criterion", variables), rows


def _criterion_problems(criterion: Criterion) -> list[str]:
    """Why a criterion does not fit TI: an id over 8 characters."""
    problems = []
    if len(criterion.id) > MAX_TESTCD:
        problems.append(f"id {criterion.id!r} has {len(criterion.id)} characters, IETESTCD holds at most {MAX_TESTCD}")
    return problems
