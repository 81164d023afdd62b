"""Loading the SDTM specs of one study: `exports/*.yaml`, the study's overrides and the test terminology.

`exports/<domain>.yaml` applies to every trial; `exports/<study>/<domain>.yaml`
replaces it for one trial. Every problem (unknown forms, items or
derivations, type mismatches, names over 8 characters, labels over 40...)
is reported at once as `file:line: message`, as the forms are. The checks
themselves: `edc.definitions.sdtm.checks`.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from edc.definitions.catalog import StudyDefinition
from edc.definitions.problems import DefinitionErrors, Problem, Problems
from edc.definitions.sdtm.checks import check_spec
from edc.definitions.sdtm.model import SUBJECT_ROWS, DatasetSpec, DomainSpec, RowBlock, SpecFile, SpecSet
from edc.definitions.sdtm.terminology import Terminology, load_terminology
from edc.definitions.sources import DocLocator, Located, report, validate
from edc.definitions.yamlsrc import read_yaml


def load_specs(root: Path, study: StudyDefinition) -> SpecSet:
    """The specs for `study`, or `DefinitionErrors` with every problem."""
    specs, problems = check_specs(root, study)
    if problems or specs is None:
        raise DefinitionErrors(problems)
    return specs


def check_specs(root: Path, study: StudyDefinition) -> tuple[SpecSet | None, list[Problem]]:
    """Load the shared specs and the study's overrides; check each against the study definition."""
    return SpecReader(root).check(study)


class SpecReader:
    """The spec files under one exports folder, each parsed and validated once however many studies read it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[Path, tuple[SpecFile, Located] | None] = {}
        self._file_problems: dict[Path, list[Problem]] = {}
        self._terminology: tuple[Terminology, list[Problem]] | None = None

    def check(self, study: StudyDefinition) -> tuple[SpecSet | None, list[Problem]]:
        """The specs of `study` checked against it: the SpecSet when clean, else None and every problem."""
        problems = Problems()
        files = {file.stem: file for file in sorted(self.root.glob("*.yaml"))}
        files.update({file.stem: file for file in sorted((self.root / study.id).glob("*.yaml"))})
        if not files:
            problems.add(self.root, 1, "no export spec found (expected <domain>.yaml files)")
        loaded: dict[str, tuple[DomainSpec, Located]] = {}
        for file in (file for _, file in sorted(files.items())):
            parsed = self._parsed(file, problems)
            if parsed is not None:
                spec, where = parsed
                loaded[spec.dataset.name] = (DomainSpec(str(file), spec, _blocks(spec.dataset, study)), where)
        terminology = self._terminology_of(problems)
        for domain, where in loaded.values():
            check_spec(domain, where, study, loaded, terminology, problems)
        if problems:
            return None, problems.sorted()
        domains = MappingProxyType({k: v[0] for k, v in sorted(loaded.items())})
        return SpecSet(study.id, domains, terminology), []

    def _parsed(self, file: Path, problems: Problems) -> tuple[SpecFile, Located] | None:
        """The validated spec of `file` (read on first use); its own problems go to `problems` each time."""
        if file not in self._files:
            own = Problems()
            self._files[file] = _read_spec(file, own)
            self._file_problems[file] = own.items
        problems.items.extend(self._file_problems[file])
        return self._files[file]

    def _terminology_of(self, problems: Problems) -> Terminology:
        if self._terminology is None:
            own = Problems()
            self._terminology = (load_terminology(self.root, own), own.items)
        problems.items.extend(self._terminology[1])
        return self._terminology[0]


def _read_spec(file: Path, problems: Problems) -> tuple[SpecFile, Located] | None:
    doc = read_yaml(file, problems)
    if doc is None:
        return None
    where = Located(DocLocator(doc), ())
    parsed = validate(SpecFile, doc.data, where.locator, problems)
    if parsed is None:
        return None
    if parsed.dataset.name.lower() != file.stem:
        report(problems, where, f"dataset '{parsed.dataset.name}' does not match its file name", "dataset", "name")
    return parsed, where


def _blocks(dataset: DatasetSpec, study: StudyDefinition) -> tuple[RowBlock, ...]:
    """The row blocks that apply to `study`: those declared (optional ones only for forms the study has),
    else one block of the dataset's form, else one subject-level block (one row per subject)."""
    if dataset.rows:
        return tuple(b for b in dataset.rows if not (b.optional and b.form is not None and b.form not in study.forms))
    if dataset.form is not None:
        return (RowBlock(form=dataset.form, sort=dataset.sort),)
    return (SUBJECT_ROWS,)
