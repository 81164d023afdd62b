"""The define.xml metadata of a spec's dataset: variables, origins, methods and value-level definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edc.definitions.catalog import StudyDefinition
from edc.definitions.coding import coded_items
from edc.definitions.model import Form, Item
from edc.definitions.sdtm.model import DomainSpec, VariableSpec, findings_items
from edc.definitions.sdtm.terminology import Terminology
from edc.definitions.sdtm.toxicity import Criterion
from edc.export.formats.metadata import (
    Comparator,
    Dataset,
    DatasetClass,
    DataType,
    Origin,
    OriginSource,
    OriginType,
    Role,
    ValueItem,
    Variable,
    WhereClause,
)
from edc.export.sdtm.codelists import (
    NO_DICTIONARIES,
    TEST_DERIVATIONS,
    codelist_oid,
    dictionary_codelist_oid,
    test_codelist_oid,
)
from edc.export.sdtm.derivations.events import ASTCT_CATEGORIES
from edc.export.sdtm.methods import method_text


def dataset_metadata(domain: DomainSpec, study: StudyDefinition | None = None,
                     terminology: Terminology | None = None,
                     dictionaries: Mapping[str, str] = NO_DICTIONARIES) -> Dataset:
    """The `Dataset` the writers need, from the spec's declarations.

    Given the study (and the terminology), the value-level metadata too:
    one --ORRES definition per test code a findings dataset collects,
    --TOXGR's grading scale by --CAT (AE), and a laboratory --TOXGR's CTCAE
    criterion per graded test code (LB). Derived variables carry the text of
    their derivation (`edc.export.sdtm.methods`). A coded variable names the
    external codelist of its dictionary when the study has a release of it
    (`dictionaries`: kind -> version).
    """
    spec = domain.spec
    variables = tuple(
        Variable(
            name=v.name, label=v.label, data_type=DataType(v.type), role=Role(v.role),
            origin=Origin(OriginType(v.origin), OriginSource(v.source) if v.source else None, v.description),
            length=None if DataType(v.type).is_numeric else v.length,
            codelist=_variable_codelist(domain, v, study, dictionaries), mandatory=v.mandatory, key_sequence=v.key,
            value_items=_value_items(domain, v, study, terminology) if study is not None else (),
            method=method_text(v.derive, v.args, v.description) if v.origin == "Derived" else None,
        )
        for v in spec.variables
    )
    dataset = spec.dataset
    one_per_subject = all(block.kind == "subject" for block in domain.blocks)
    return Dataset(dataset.name, dataset.label, DatasetClass(dataset.dataset_class), dataset.structure, variables,
                   domain=dataset.name, repeating=not one_per_subject)


def _value_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition,
                 terminology: Terminology | None) -> tuple[ValueItem, ...]:
    if variable.derive == "result" and variable.name.endswith("ORRES"):
        return _result_items(domain, variable, study, terminology)
    if variable.derive == "toxicity_grade":
        return _lab_grade_items(domain, variable, study, terminology)
    if variable.name == f"{domain.name}TOXGR":
        return _grade_items(domain, variable, study)
    return ()


def _result_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition,
                  terminology: Terminology | None) -> tuple[ValueItem, ...]:
    """One definition per test code the study's forms collect for the dataset (where --TESTCD EQ code):
    float when every item of the code is numeric, else text of the variable's length; its origin names the
    CRF forms and items collecting it, or is Derived, with the calculation as method, when all are computed."""
    testcd = next((v.name for v in domain.spec.variables if v.derive == "test_code"), None)
    if testcd is None:
        return ()
    tests: dict[str, list[tuple[Form, Item]]] = {}
    for block in domain.blocks:
        if block.findings and block.form is not None:
            form = study.forms[block.form]
            for item in findings_items(form, domain.name):
                if item.sdtm is not None and item.sdtm.testcd:
                    tests.setdefault(item.sdtm.testcd, []).append((form, item))
    items = []
    for code in sorted(tests):
        term = terminology.term(domain.name, code) if terminology is not None else None
        numeric = all(item.type in ("integer", "decimal") for _, item in tests[code])
        origin, method = _result_origin(variable, tests[code])
        items.append(ValueItem(
            code, f"{term.test if term is not None else code}: result in original units",
            DataType.FLOAT if numeric else DataType.TEXT, origin,
            WhereClause(testcd, Comparator.EQ, (code,)), length=None if numeric else variable.length, method=method,
        ))
    return tuple(items)


def _result_origin(variable: VariableSpec, collected_by: list[tuple[Form, Item]]) -> tuple[Origin, str | None]:
    """Collected on the CRF (the forms and items named), or Derived when every item is computed by the EDC."""
    if all(item.is_calculated for _, item in collected_by):
        how = "; ".join(f"{item.label} ({_calculation(item)}), form '{form.title}'" for form, item in collected_by)
        return Origin(OriginType.DERIVED, OriginSource.SPONSOR), f"Computed by the EDC from the record's items: {how}"
    where = "; ".join(f"form '{form.title}', item '{item.label}'" for form, item in collected_by)
    return Origin(OriginType(variable.origin), OriginSource(variable.source) if variable.source else None,
                  f"CRF {where}"), None


def _calculation(item: Item) -> str:
    calc = item.calc
    if isinstance(calc, str):
        return f"= {calc}"
    assert calc is not None
    params = ", ".join(f"{name} {value}" for name, value in sorted(calc.params.items()))
    return f"score {calc.score}" + (f" with {params}" if params else "")


def _lab_grade_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition,
                     terminology: Terminology | None) -> tuple[ValueItem, ...]:
    """One definition per graded test code the study's forms collect (where --TESTCD EQ code): the CTCAE
    term, and as its method the criterion's bounds with the published wording of each grade."""
    testcd = next((v.name for v in domain.spec.variables if v.derive == "test_code"), None)
    if testcd is None or terminology is None:
        return ()
    codes = {item.sdtm.testcd for block in domain.blocks if block.findings and block.form is not None
             for item in findings_items(study.forms[block.form], domain.name) if item.sdtm and item.sdtm.testcd}
    scale = terminology.grading.scales.get(domain.name, "")
    origin = Origin(OriginType(variable.origin), OriginSource(variable.source) if variable.source else None)
    items = []
    for code in sorted(codes):
        criterion = terminology.grading.criterion(domain.name, code)
        if criterion is None:
            continue
        items.append(ValueItem(
            code, f"{scale} grade of {criterion.term}", DataType(variable.type), origin,
            WhereClause(testcd, Comparator.EQ, (code,)), length=variable.length,
            method=_criterion_text(scale, criterion, variable.args),
        ))
    return tuple(items)


def _criterion_text(scale: str, criterion: Criterion, args: Mapping[str, Any]) -> str:
    """The criterion in words: per grade its bound, in the dataset's variables, and the CTCAE wording."""
    below = criterion.direction == "decreased"
    limits = {"lln": str(args.get("low", "LLN")), "uln": str(args.get("high", "ULN"))}
    side = "below" if below else "above"
    grades = []
    for grade, bound in sorted(criterion.grades.items()):
        unit = "" if criterion.unit == "1" else f" {criterion.unit}"  # a ratio (INR) has no unit to name
        limit = f"{bound.number} x {limits[bound.limit]}" if bound.limit is not None else f"{bound.number}{unit}"
        grades.append(f"grade {grade} {side} {limit} (CTCAE: {bound.ctcae})")
    specimen = f", {args['specimen']} {criterion.specimen}" if "specimen" in args else ""
    normal = limits[criterion.normal_limit]
    text = (f"{scale} {criterion.term}, on {args.get('of')} in {criterion.unit}{specimen}: 0 when not {side} "
            f"{normal}; " + "; ".join(grades))
    return f"{text}. {criterion.note}" if criterion.note else text


def _grade_items(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition) -> tuple[ValueItem, ...]:
    """The grading scale by category: ASTCT 2019 for CRS and ICANS, NCI CTCAE v5.0 for the others."""
    category = domain.variable(f"{domain.name}CAT")
    if category is None or category.codelist is None:
        return ()
    values = [term.submitted for term in study.codelists[category.codelist].values]
    astct = tuple(value for value in values if value in ASTCT_CATEGORIES)
    ctcae = tuple(value for value in values if value not in ASTCT_CATEGORIES)
    origin = Origin(OriginType(variable.origin), OriginSource(variable.source) if variable.source else None)
    codelist = _variable_codelist(domain, variable, study)
    scales = (("ASTCT", "ASTCT 2019 consensus grade", astct), ("CTCAE", "NCI CTCAE v5.0 grade", ctcae))
    return tuple(
        ValueItem(name, description, DataType(variable.type), origin,
                  WhereClause(category.name, Comparator.IN, found),
                  length=variable.length, codelist=codelist)
        for name, description, found in scales if found
    )


def _variable_codelist(domain: DomainSpec, variable: VariableSpec, study: StudyDefinition | None,
                       dictionaries: Mapping[str, str] = NO_DICTIONARIES) -> str | None:
    if variable.codelist:
        return codelist_oid(variable.codelist)
    if variable.derive in TEST_DERIVATIONS:
        return test_codelist_oid(domain.name, TEST_DERIVATIONS[variable.derive])
    if variable.derive == "coded" and study is not None and not variable.args.get("verbatim"):
        # a variable falling back to the verbatim term holds values outside the dictionary
        form_id, _, item = str(variable.args["item"]).partition(".")
        kind = coded_items(study.forms[form_id]).get(item)
        return dictionary_codelist_oid(kind, variable.type) if kind is not None and kind in dictionaries else None
    return None
