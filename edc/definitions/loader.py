"""Loading a definitions folder: find the files, parse and validate them, resolve each study's forms.

`load_catalog(path)` returns the frozen `Catalog` or raises `DefinitionErrors`
carrying every problem found, each with its file and line. Nothing is
returned half-loaded: one error anywhere and no study is used.

The SDTM specs load in the same pass, checked against each study (each
`StudyDefinition.sdtm`). Where they are: `exports_root` when given, else the
`exports/` folder beside the definitions folder (`forms/` and `exports/` at
the project root). Without such a folder the studies have no SDTM specs and
cannot be exported; a given `exports_root` that does not exist is a problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from edc.definitions.catalog import Catalog, StudyDefinition
from edc.definitions.check_forms import check_form
from edc.definitions.check_links import check_links
from edc.definitions.check_study import check_study
from edc.definitions.merge import merge_override
from edc.definitions.model import (
    Codelist,
    CodelistFile,
    Criterion,
    Form,
    FormFile,
    FormList,
    Item,
    SdtmTarget,
    StudyFile,
)
from edc.definitions.problems import DefinitionErrors, Problem, Problems
from edc.definitions.sdtm.loader import SpecReader
from edc.definitions.sources import DocLocator, Located, Locator, report, validate
from edc.definitions.vocabulary import IE_CONFIRM_FORM
from edc.definitions.yamlsrc import SourceDoc, read_yaml

LIBRARY = "library"
EXPORTS = "exports"
"""The SDTM specs folder, beside the definitions folder unless given."""


@dataclass
class Library:
    """The shared forms and codelists, as documents (for `extends`) and validated objects."""

    codelists: dict[str, tuple[Codelist, Located]] = field(default_factory=dict)
    form_docs: dict[str, SourceDoc] = field(default_factory=dict)
    forms: dict[str, tuple[Form, Located]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)  # ids (file names) of forms that failed to load


def load_catalog(root: Path, exports_root: Path | None = None) -> Catalog:
    """The definitions under `root` with their SDTM specs, or `DefinitionErrors` with every problem."""
    catalog, problems = check_definitions(root, exports_root)
    if problems or catalog is None:
        raise DefinitionErrors(problems)
    return catalog


def check_definitions(root: Path, exports_root: Path | None = None) -> tuple[Catalog | None, list[Problem]]:
    """Load every study under `root` and its SDTM specs; return the catalog (if clean) and all problems."""
    problems = Problems()
    if not root.is_dir():
        problems.add(root, 1, "definitions folder not found")
        return None, problems.sorted()
    library = _load_library(root / LIBRARY, problems)
    studies = []
    for study_dir in sorted(p for p in root.iterdir() if p.is_dir() and p.name != LIBRARY):
        if not (study_dir / "study.yaml").is_file():
            problems.add(study_dir, 1, "folder has no study.yaml")
            continue
        study = _load_study(study_dir, library, problems)
        if study is not None:
            studies.append(study)
    if not studies and not problems:
        problems.add(root, 1, "no study found (expected <study>/study.yaml folders)")
    if not problems:
        studies = _with_specs(studies, exports_folder(root, exports_root), problems)
    if problems:
        return None, problems.sorted()
    return Catalog.of(studies), []


def exports_folder(root: Path, exports_root: Path | None = None) -> Path | None:
    """Where the SDTM specs of the definitions under `root` are: `exports_root`, else the `exports/` folder
    beside `root` if there is one, else None (no specs)."""
    if exports_root is not None:
        return exports_root
    sibling = root.parent / EXPORTS
    return sibling if sibling.is_dir() else None


def _with_specs(studies: list[StudyDefinition], exports: Path | None,
                problems: Problems) -> list[StudyDefinition]:
    """Each study with its SDTM specs loaded and checked against it; their problems go to `problems`."""
    if exports is None:
        return studies
    if not exports.is_dir():
        problems.add(exports, 1, "SDTM specs folder not found")
        return studies
    reader, loaded = SpecReader(exports), []
    for study in studies:
        specs, found = reader.check(study)
        problems.items.extend(found)
        loaded.append(replace(study, sdtm=specs))
    return loaded


def _load_library(folder: Path, problems: Problems) -> Library:
    library = Library()
    codelist_file = folder / "codelists.yaml"
    if codelist_file.is_file():
        library.codelists = _load_codelists(codelist_file, problems)
    for file in sorted((folder / "forms").glob("*.yaml")):
        doc = read_yaml(file, problems)
        if doc is None:
            library.broken.add(file.stem)
            continue
        loaded = _validate_form(doc.data, DocLocator(doc), file, problems)
        if loaded is None:
            library.broken.add(file.stem)
        else:
            if loaded[0].id in library.forms:
                report(problems, loaded[1], f"form id '{loaded[0].id}' is defined twice in the library", "id")
                continue
            library.form_docs[loaded[0].id] = doc
            library.forms[loaded[0].id] = loaded
    return library


def _load_codelists(file: Path, problems: Problems) -> dict[str, tuple[Codelist, Located]]:
    doc = read_yaml(file, problems)
    if doc is None:
        return {}
    locator = DocLocator(doc)
    parsed = validate(CodelistFile, doc.data, locator, problems)
    result: dict[str, tuple[Codelist, Located]] = {}
    for i, codelist in enumerate(parsed.codelists if parsed else ()):
        where = Located(locator, ("codelists", i))
        if codelist.id in result:
            report(problems, where, f"duplicate codelist id '{codelist.id}'", "id")
            continue
        codes = codelist.codes()
        for j, code in enumerate(codes):
            if code in codes[:j]:
                report(problems, where, f"codelist '{codelist.id}' lists code '{code}' twice", "values", j)
        result[codelist.id] = (codelist, where)
    return result


def _validate_form(data: object, locator: Locator, file: Path,
                   problems: Problems) -> tuple[Form, Located] | None:
    parsed = validate(FormFile, data, locator, problems)
    if parsed is None:
        return None
    where = Located(locator, ("form",))
    if parsed.form.id != file.stem:
        report(problems, where, f"form id '{parsed.form.id}' does not match its file name '{file.name}'", "id")
    return parsed.form, where


def _load_study(folder: Path, library: Library, problems: Problems) -> StudyDefinition | None:
    doc = read_yaml(folder / "study.yaml", problems)
    if doc is None:
        return None
    spec = validate(StudyFile, doc.data, DocLocator(doc), problems)
    codelists = dict(library.codelists)
    if (folder / "codelists.yaml").is_file():
        codelists.update(_load_codelists(folder / "codelists.yaml", problems))
    broken = set(library.broken)
    own_forms = _load_study_forms(folder / "forms", library, broken, problems)
    if spec is None:
        return None
    where = Located(DocLocator(doc), ())
    forms = _resolve_forms(spec, where, own_forms, library, broken, problems)
    confirm = _ie_confirm_form(spec)
    if confirm is not None:
        forms[IE_CONFIRM_FORM] = (confirm, where.child("eligibility"))
    known = {k: v[0] for k, v in codelists.items()}
    for form, form_where in forms.values():
        check_form(form, form_where, known, problems)
    check_links(spec, forms, problems)
    study = StudyDefinition(
        spec=spec,
        forms=MappingProxyType({k: v[0] for k, v in sorted(forms.items())}),
        codelists=MappingProxyType(dict(sorted(known.items()))),
    )
    check_study(study, where, problems, frozenset(broken))
    return study


def _load_study_forms(folder: Path, library: Library, broken: set[str],
                      problems: Problems) -> dict[str, tuple[Form, Located]]:
    forms: dict[str, tuple[Form, Located]] = {}
    for file in sorted(folder.glob("*.yaml")):
        broken.add(file.stem)  # until it loads
        doc = read_yaml(file, problems)
        if doc is None:
            continue
        data: Any = doc.data
        locator: Locator = DocLocator(doc)
        form_data = data.get("form") if isinstance(data, dict) else None
        if isinstance(form_data, dict) and "extends" in form_data:
            base = library.form_docs.get(str(form_data["extends"]))
            if base is None:
                problems.add(file, doc.line(("form", "extends")),
                             f"extends '{form_data['extends']}', which is not a library form")
                continue
            data, locator = merge_override(doc, base, problems)
        loaded = _validate_form(data, locator, file, problems)
        if loaded is not None:
            forms[loaded[0].id] = loaded
            broken.discard(file.stem)
    return forms


def _resolve_forms(spec: StudyFile, where: Located, own: dict[str, tuple[Form, Located]],
                   library: Library, broken: set[str], problems: Problems) -> dict[str, tuple[Form, Located]]:
    """Every form the schedule names, from the study's own forms first, then the library."""
    resolved: dict[str, tuple[Form, Located]] = {}
    for form_id, path in _scheduled_form_refs(spec):
        hit = own.get(form_id) or library.forms.get(form_id)
        if hit is None and form_id in broken:
            continue  # its own errors are reported already
        if hit is None:
            report(problems, where, f"form '{form_id}' is neither a study form nor a library form", *path)
        else:
            resolved[form_id] = hit
    for form_id, (_, form_where) in own.items():
        if form_id not in resolved:
            report(problems, form_where, f"study form '{form_id}' is not collected at any visit or log", "id")
    return resolved


def _scheduled_form_refs(spec: StudyFile) -> list[tuple[str, tuple[str | int, ...]]]:
    schedule = spec.schedule
    blocks: list[tuple[FormList, tuple[str | int, ...]]] = [
        (visit, ("schedule", "visits", i)) for i, visit in enumerate(schedule.visits)]
    blocks += [(block, ("schedule", section)) for section, block in (("unscheduled", schedule.unscheduled),
                                                                     ("logs", schedule.logs)) if block is not None]
    return [ref for block, path in blocks for ref in form_refs(block, path)]


def form_refs(block: FormList, path: tuple[str | int, ...]) -> list[tuple[str, tuple[str | int, ...]]]:
    """Each form a visit's (or log's) list names, with its path in the study file (inside a cohort entry too)."""
    refs: list[tuple[str, tuple[str | int, ...]]] = []
    for j, entry in enumerate(block.entries):
        if isinstance(entry, str):
            refs.append((entry, (*path, "forms", j)))
        else:
            refs += [(f, (*path, "forms", j, "forms", k)) for k, f in enumerate(entry.forms)]
    return refs


def _ie_confirm_form(spec: StudyFile) -> Form | None:
    """The generated form holding the investigator's yes/no for criteria data cannot decide."""
    confirmed = [c for c in spec.eligibility.criteria if c.confirm == "investigator"]
    if not confirmed:
        return None
    return Form(
        id=IE_CONFIRM_FORM,
        title="Eligibility criteria confirmed by the investigator",
        domain="IE",
        entered_by=("investigator",),
        items=tuple(_confirm_item(c) for c in confirmed),
    )


def _confirm_item(criterion: Criterion) -> Item:
    verb = "met" if criterion.kind == "inclusion" else "present (excludes the subject)"
    return Item(
        name=criterion.id.lower(),
        label=f"{criterion.id} {verb}: {criterion.text}",
        type="boolean",
        required=True,
        sdtm=SdtmTarget(domain="IE", testcd=criterion.id),
    )
