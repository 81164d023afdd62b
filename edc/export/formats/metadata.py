"""What the export writes, described once: datasets and variables (codelists: `codelist`, the study: `study`).

Every writer (XPT, Dataset-JSON, CSV, Define-XML) reads these frozen objects,
so the files agree with each other: the OIDs a Dataset-JSON file names are
the ones define.xml defines, the lengths XPT stores are the ones define.xml
declares. The objects check their own consistency when built (a character
variable without a length, two variables of one name, a sponsor term in a
codelist that cannot be extended); the limits of a particular format (XPT's
8-character names, for instance) are checked by that format's writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cached_property

DEFINE_FILE_NAME = "define.xml"
"""The Define-XML file's name; Dataset-JSON files refer to it (metaDataRef)."""

NUMERIC_LENGTH = 8
"""Bytes of a numeric variable in XPT, and its Define-XML Length: SAS stores every number as an 8-byte float."""


class DataType(Enum):
    """A variable's Define-XML data type.

    TEXT, DATE and DATETIME are character variables (DATE and DATETIME hold
    ISO 8601 text, partial values right-truncated, e.g. "2026-03"); INTEGER
    and FLOAT are numeric.
    """

    TEXT = "text"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    DATETIME = "datetime"

    @property
    def is_numeric(self) -> bool:
        return self in _NUMERIC


_NUMERIC = frozenset({DataType.INTEGER, DataType.FLOAT})


class Role(Enum):
    """SDTM variable roles (SDTM v2.0 section 2.1)."""

    IDENTIFIER = "Identifier"
    TOPIC = "Topic"
    TIMING = "Timing"
    GROUPING_QUALIFIER = "Grouping Qualifier"
    RESULT_QUALIFIER = "Result Qualifier"
    SYNONYM_QUALIFIER = "Synonym Qualifier"
    RECORD_QUALIFIER = "Record Qualifier"
    VARIABLE_QUALIFIER = "Variable Qualifier"
    RULE = "Rule"


class OriginType(Enum):
    """Define-XML 2.1 def:Origin/@Type."""

    COLLECTED = "Collected"
    DERIVED = "Derived"
    ASSIGNED = "Assigned"
    PROTOCOL = "Protocol"
    PREDECESSOR = "Predecessor"
    NOT_AVAILABLE = "Not Available"


class OriginSource(Enum):
    """Define-XML 2.1 def:Origin/@Source: who supplied a collected value."""

    SUBJECT = "Subject"
    INVESTIGATOR = "Investigator"
    VENDOR = "Vendor"
    SPONSOR = "Sponsor"


class DatasetClass(Enum):
    """SDTM observation classes, as Define-XML 2.1 def:Class/@Name spells them."""

    SPECIAL_PURPOSE = "SPECIAL PURPOSE"
    INTERVENTIONS = "INTERVENTIONS"
    EVENTS = "EVENTS"
    FINDINGS = "FINDINGS"
    FINDINGS_ABOUT = "FINDINGS ABOUT"
    TRIAL_DESIGN = "TRIAL DESIGN"
    STUDY_REFERENCE = "STUDY REFERENCE"
    RELATIONSHIP = "RELATIONSHIP"


@dataclass(frozen=True)
class Origin:
    """Where a variable's values come from (Define-XML def:Origin)."""

    type: OriginType
    source: OriginSource | None = None
    description: str | None = None


class Comparator(Enum):
    """The comparators a Define-XML where clause uses here (RangeCheck/@Comparator)."""

    EQ = "EQ"
    IN = "IN"


@dataclass(frozen=True)
class WhereClause:
    """When a value-level definition applies: `variable` (of the same dataset) EQ one value, or IN several."""

    variable: str
    comparator: Comparator
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        problems = []
        if not self.variable:
            problems.append("a where clause needs a variable")
        if not self.values:
            problems.append("a where clause needs values")
        if self.comparator is Comparator.EQ and len(self.values) != 1:
            problems.append(f"EQ compares with one value, not {len(self.values)}")
        if len(set(self.values)) != len(self.values):
            problems.append("values listed twice")
        if problems:
            raise ValueError(f"where clause on {self.variable!r}: " + "; ".join(problems))


@dataclass(frozen=True)
class ValueItem:
    """Value-level metadata: what a variable holds on the rows its where clause selects.

    `name` is the OID suffix (`IT.<DS>.<VAR>.<name>`), unique within the
    variable, e.g. the test code or the QNAM. Lengths follow the variable's
    rule: required for character types. `method` describes a derivation.
    """

    name: str
    description: str
    data_type: DataType
    origin: Origin
    where: WhereClause
    length: int | None = None
    codelist: str | None = None
    mandatory: bool = False
    method: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not self.name or any(c.isspace() for c in self.name):
            problems.append("a value item needs a name without spaces")
        if self.length is None and not self.data_type.is_numeric:
            problems.append(f"a {self.data_type.value} value needs a length")
        if self.length is not None and self.length < 1:
            problems.append(f"length {self.length} is not positive")
        if problems:
            raise ValueError(f"value item {self.name!r}: " + "; ".join(problems))

    @property
    def storage_length(self) -> int:
        if self.data_type.is_numeric:
            return NUMERIC_LENGTH
        assert self.length is not None
        return self.length


@dataclass(frozen=True)
class Variable:
    """One column of a dataset.

    `length` is required for character types (the declared maximum, in
    characters, stored as the XPT length); numeric variables are 8 bytes
    whatever is given. `codelist` is a `Codelist.id`. `key_sequence` (1, 2,
    ...) marks the dataset's key variables in key order. `value_items` are
    its value-level metadata (define.xml def:ValueListDef), `method` the
    description of its derivation (MethodDef) when its origin is Derived.
    """

    name: str
    label: str
    data_type: DataType
    role: Role
    origin: Origin
    length: int | None = None
    codelist: str | None = None
    mandatory: bool = False
    key_sequence: int | None = None
    significant_digits: int | None = None
    value_items: tuple[ValueItem, ...] = ()
    method: str | None = None

    def __post_init__(self) -> None:
        problems = _variable_problems(self)
        if problems:
            raise ValueError(f"variable {self.name!r}: " + "; ".join(problems))

    @property
    def storage_length(self) -> int:
        """The declared length of a character variable, 8 for a numeric one."""
        if self.data_type.is_numeric:
            return NUMERIC_LENGTH
        assert self.length is not None  # __post_init__ requires it for character types
        return self.length


def _variable_problems(variable: Variable) -> list[str]:
    problems = []
    if not variable.name:
        problems.append("a variable needs a name")
    if variable.length is None and not variable.data_type.is_numeric:
        problems.append(f"a {variable.data_type.value} variable needs a length")
    if variable.length is not None and variable.length < 1:
        problems.append(f"length {variable.length} is not positive")
    if variable.key_sequence is not None and variable.key_sequence < 1:
        problems.append(f"key sequence {variable.key_sequence} is not positive")
    if variable.significant_digits is not None and variable.data_type is not DataType.FLOAT:
        problems.append("significant digits apply to float variables only")
    names = [item.name for item in variable.value_items]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(f"value items named twice: {', '.join(duplicates)}")
    if any(item.where.variable == variable.name for item in variable.value_items):
        problems.append("a value item's where clause tests another variable, not the variable itself")
    return problems


@dataclass(frozen=True)
class Dataset:
    """One SDTM dataset: its variables in file order, the keys marked on them."""

    name: str
    label: str
    dataset_class: DatasetClass
    structure: str
    variables: tuple[Variable, ...]
    domain: str | None = None
    repeating: bool = True
    reference_data: bool = False

    def __post_init__(self) -> None:
        problems = _dataset_problems(self)
        if problems:
            raise ValueError(f"dataset {self.name!r}: " + "; ".join(problems))

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(variable.name for variable in self.variables)

    @property
    def keys(self) -> tuple[Variable, ...]:
        """The key variables in key-sequence order."""
        keyed = [variable for variable in self.variables if variable.key_sequence is not None]
        return tuple(sorted(keyed, key=lambda variable: variable.key_sequence or 0))

    @property
    def oid(self) -> str:
        """ItemGroupDef/@OID in define.xml and itemGroupOID in Dataset-JSON."""
        return f"IG.{self.name}"

    def item_oid(self, variable: Variable) -> str:
        """ItemDef/@OID in define.xml and itemOID in Dataset-JSON: one ItemDef per dataset and variable."""
        return f"IT.{self.name}.{variable.name}"

    def value_list_oid(self, variable: Variable) -> str:
        """def:ValueListDef/@OID of a variable with value-level metadata."""
        return f"VL.{self.name}.{variable.name}"

    def value_item_oid(self, variable: Variable, item: ValueItem) -> str:
        return f"IT.{self.name}.{variable.name}.{item.name}"

    def where_clause_oid(self, variable: Variable, item: ValueItem) -> str:
        return f"WC.{self.name}.{variable.name}.{item.name}"

    def method_oid(self, variable: Variable, item: ValueItem | None = None) -> str:
        """MethodDef/@OID of a derived variable (or of a derived value item)."""
        return f"MT.{self.name}.{variable.name}" + (f".{item.name}" if item is not None else "")

    @property
    def xpt_file_name(self) -> str:
        """The XPT file's name, as submissions spell it (ae.xpt) and define.xml points to it."""
        return f"{self.name.lower()}.xpt"


def _dataset_problems(dataset: Dataset) -> list[str]:
    problems = []
    if not dataset.name:
        problems.append("a dataset needs a name")
    if not dataset.variables:
        problems.append("a dataset needs variables")
    names = [variable.name for variable in dataset.variables]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        problems.append(f"variables named twice: {', '.join(duplicates)}")
    sequences = sorted(variable.key_sequence for variable in dataset.variables if variable.key_sequence is not None)
    if sequences != list(range(1, len(sequences) + 1)):
        problems.append(f"key sequences must run 1, 2, ... without gaps or repeats, not {sequences}")
    for variable in dataset.variables:
        unknown = sorted({item.where.variable for item in variable.value_items} - set(names))
        if unknown:
            problems.append(f"{variable.name}: where clauses test variables the dataset does not have: "
                            f"{', '.join(unknown)}")
    return problems
