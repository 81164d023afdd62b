"""Export benchmark: a synthetic study through the whole SDTM export, per format next to a bare library write.

    python -m bench.export_sdtm [--subjects 10000] [--study relmacel] [--formats xpt,json,csv] [--memory-check]
                                [--memory-only]

A synthetic generator makes every subject treated, with one record of every
form of every scheduled visit (values of the item's type: decimals inside
its range, codes of its codelist, dates on the visit day counted from a
per-subject infusion date, times, booleans) and a few adverse events and
concomitant medications in the logs. It is a `SubjectReader`: each call
builds only the forms asked for, deterministically from the subject's
number, and each subject only when the export asks for its chunk
(`ChunkedSubjects`, as the database reader), so the generator never holds
more than the export asks for and the memory measured is the export's.

`export_submission` runs into a temporary directory (the trial design
datasets as `extra`, as `edc.app.exports.submission` does), timed per
step through its `progress` callback: mapped (the reader's generation time
measured and taken out), validated, written, and the final cross-dataset
checks with define.xml. The formats chosen are written (XPT always: the
baselines read its files back), each format's writer timed on its own
(`bench.export_formats.timed_writers`), and each compared with a bare
kept-library write of the same rows in one go (`bench.export_formats.bare_writes`:
pyreadstat.write_xport, msgspec encoding the Dataset-JSON document, the
stdlib csv writer). The report gives per format the export's writer
seconds, the bare seconds and their ratio, and the whole export (map,
validate, write every format, define.xml) against the bare writes summed.
Target (issue 20): the whole export within 1.5 times the bare writes.

With `--memory-check` the export runs again under tracemalloc for N/4 and N
subjects and prints both peaks next to the largest dataset's rows;
`--memory-only` runs only those two (for 10,000 subjects, where the timed
run would double a long wait). Target: under 2 GiB at 10,000 subjects.
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

from bench.export_formats import FORMAT_ORDER, bare_writes, timed_writers
from edc.config import forms_dir
from edc.definitions.catalog import StudyDefinition
from edc.definitions.loader import load_catalog
from edc.definitions.model import Item
from edc.definitions.sdtm.model import SpecSet
from edc.export.run import CT_VERSION, ExportResult, Progress, export_submission
from edc.export.sdtm.subjectdata import CapturedRecord, ChunkedSubjects, SubjectData, VisitData
from edc.export.sdtm.trialdesign.datasets import design_datasets

CREATED = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
FIRST_INFUSION = date(2025, 1, 6)
STEPS = ("mapped", "validated", "written", "finish")
TARGET = 1.5
AE_TERMS = ("Fatigue", "Headache", "Nausea", "Pyrexia", "Cytokine release syndrome", "Neutropenia")
CM_TERMS = ("Paracetamol", "Ondansetron", "Prednisone", "Hydroxychloroquine", "Tocilizumab")


# --- the synthetic study ---------------------------------------------------------------------------

class SyntheticStudy:
    """Every subject treated, every scheduled visit done with every form; built per read, never kept."""

    def __init__(self, study: StudyDefinition, subjects: int, seed: int = 20260501) -> None:
        self.study = study
        self.subjects = subjects
        self.seed = seed
        self.generation_seconds = 0.0
        self.sites = [site.id for site in study.spec.sites]
        # the planned levels, not the back-up one (relmacel's DLB); a study of one level has only that one
        levels = study.spec.dose_levels
        self.dose_levels = [level.id for level in levels if level.role != "backup"] or [level.id for level in levels]
        logs = study.spec.schedule.logs
        self.log_forms = frozenset(logs.forms) if logs else frozenset()

    def __call__(self, forms: frozenset[str]) -> Sequence[SubjectData]:
        return _Subjects(self, forms)

    def identity(self, index: int) -> tuple[str, str]:
        """The subject number and site of the subject at `index`."""
        site = self.sites[index % len(self.sites)]
        return f"{site}-{index // len(self.sites) + 1:04d}", site

    def subject(self, index: int, forms: frozenset[str]) -> SubjectData:
        rng = random.Random(self.seed * 1_000_003 + index)
        number, site = self.identity(index)
        infusion = FIRST_INFUSION + timedelta(days=index % 700)
        dose_level = self.dose_levels[index % len(self.dose_levels)]
        records: dict[str, list[CapturedRecord]] = {}
        visits = []
        for visit in self.study.visits:
            day = infusion + timedelta(days=visit.day)
            visits.append(VisitData(visit.id, visit_date=day, planned_date=day))
            for form_id in visit.forms:
                if form_id in forms:
                    records.setdefault(form_id, []).append(
                        CapturedRecord(self.values(form_id, day, rng, dose_level), visit.id))
        last = infusion + timedelta(days=self.study.visits[-1].day)
        if "ie_confirm" in forms:
            records["ie_confirm"] = [CapturedRecord({"inc06": True, "exc02": False, "exc05": False, "exc06": False,
                                                 "exc07": False}, self.study.visits[0].id)]
        self.logs(records, forms, infusion, last, rng)
        eligibility = {criterion.id: "met" for criterion in self.study.spec.eligibility.criteria}
        return SubjectData(number, site, "treated", dose_level=dose_level, last_contact=last, records=records,
                           eligibility=eligibility, visits=tuple(visits))

    def logs(self, records: dict[str, list[CapturedRecord]], forms: frozenset[str], infusion: date, last: date,
             rng: random.Random) -> None:
        if "adverse_events" in forms:
            aes = []
            for n in range(1, 2 + rng.randrange(3)):
                start = infusion + timedelta(days=rng.randrange(-3, 60))
                values = self.values("adverse_events", start, rng, None)
                ongoing = n == 1
                values.update({"aespid": str(n), "aeterm": rng.choice(AE_TERMS), "aecat": "OTHER",
                               "aetoxgr": str(1 + rng.randrange(2)), "aeongo": "Y" if ongoing else "N",
                               "aeendat": None if ongoing else start + timedelta(days=rng.randrange(1, 10)),
                               "aeser": "N"})
                aes.append(CapturedRecord(_without(values, self.study, "adverse_events", "aecat", "aetoxgr"), "LOGS"))
            records["adverse_events"] = aes
        if "concomitant_medications" in forms:
            cms = []
            for _ in range(1 + rng.randrange(3)):
                start = infusion - timedelta(days=rng.randrange(1, 400))
                values = self.values("concomitant_medications", start, rng, None)
                values.update({"cmtrt": rng.choice(CM_TERMS), "cmgc": "N", "cmgcdrug": None, "cmaeno": None,
                               "cmstdat": start.isoformat()[:7], "cmongo": "Y", "cmendat": None,
                               "cm_pred_eq": None})
                cms.append(CapturedRecord(values, "LOGS"))
            records["concomitant_medications"] = cms
        if "disposition" in forms:
            records["disposition"] = [CapturedRecord({"dsdecod": "COMPLETED", "dsstdat": last}, "LOGS")]

    def values(self, form_id: str, day: date, rng: random.Random, dose_level: str | None) -> dict[str, object]:
        """A plausible value of every item of the form: right type, inside the range, from the codelist."""
        values = {item.name: self.value(item, day, rng) for item in self.study.forms[form_id].items}
        if "dose_level" in values and dose_level is not None:
            values["dose_level"] = dose_level
        return values

    def value(self, item: Item, day: date, rng: random.Random) -> object:
        kind = item.type
        if kind in ("integer", "decimal"):
            low = item.range.min if item.range and item.range.min is not None else 0.0
            high = item.range.max if item.range and item.range.max is not None else low + 100.0
            if kind == "integer":
                return rng.randint(int(low), int(high))
            return round(rng.uniform(low, high), item.precision if item.precision is not None else 1)
        if kind == "date":
            return day
        if kind == "partial_date":
            return day.isoformat()[:7]
        if kind == "datetime":
            return datetime.combine(day, clock(9, 30))
        if kind == "time":
            return clock(8 + rng.randrange(8), rng.randrange(60))
        if kind == "boolean":
            return rng.random() < 0.2
        if kind in ("choice", "multichoice"):
            codes = self.study.codelists[item.codelist].codes() if item.codelist else ("X",)
            return rng.choice(codes) if kind == "choice" else [rng.choice(codes)]
        return f"{item.label[:20]} {rng.randrange(1000)}"[: item.max_length or 200]


class _Subjects(ChunkedSubjects):
    """The subjects of one read, each built when the export asks for its chunk (and again if asked again)."""

    def __init__(self, study: SyntheticStudy, forms: frozenset[str]) -> None:
        self.study = study
        self.forms = forms
        self._identities = [study.identity(index) for index in range(study.subjects)]

    @property
    def identities(self) -> Sequence[tuple[str, str]]:
        return self._identities

    def chunk(self, positions: Sequence[int]) -> list[SubjectData]:
        started = time.perf_counter()
        subjects = [self.study.subject(index, self.forms) for index in positions]
        self.study.generation_seconds += time.perf_counter() - started
        return subjects


def _without(values: dict[str, object], study: StudyDefinition, form_id: str, *controls: str) -> dict[str, object]:
    """Drop the items whose `when` depends on the controlling items (CRS/ICANS/grade-3 details)."""
    for item in study.forms[form_id].items:
        if item.when and any(control in item.when for control in controls):
            values.pop(item.name, None)
    return values


# --- timing ----------------------------------------------------------------------------------------

@dataclass
class StepClock:
    """Seconds per step from the progress events; the reader's generation time is taken out of `mapped`."""

    reader: SyntheticStudy
    last: float = 0.0
    last_generation: float = 0.0
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))

    def start(self) -> None:
        self.last = time.perf_counter()
        self.last_generation = self.reader.generation_seconds

    def __call__(self, event: Progress) -> None:
        now = time.perf_counter()
        generated = self.reader.generation_seconds - self.last_generation
        self.seconds[event.step] += now - self.last - generated
        self.last, self.last_generation = now, self.reader.generation_seconds

    def stop(self) -> None:
        self.seconds["finish"] += time.perf_counter() - self.last


@dataclass(frozen=True)
class Report:
    subjects: int
    rows: dict[str, int]
    steps: dict[str, float]
    generation: float
    export_seconds: float
    writes: dict[str, float]
    """The export's own writers' seconds, by format (`bench.export_formats.timed_writers`)."""
    bare: dict[str, dict[str, float]]
    """The bare kept-library writes' seconds, by format then dataset."""
    peaks: dict[int, int]

    @property
    def bare_seconds(self) -> float:
        return sum(sum(by_dataset.values()) for by_dataset in self.bare.values())

    @property
    def ratio(self) -> float:
        return self.export_seconds / self.bare_seconds

    def text(self) -> str:
        lines = [f"SDTM export of {self.subjects} synthetic subjects "
                 f"({platform.machine()}, {platform.python_implementation()} {platform.python_version()})",
                 "", f"{'dataset':<10}{'rows':>10}" + "".join(f"{f'bare {fmt} s':>12}" for fmt in self.bare)]
        for name, count in self.rows.items():
            cells = (self.bare[fmt].get(name) for fmt in self.bare)
            lines.append(f"{name:<10}{count:>10}" + "".join(f"{'' if c is None else f'{c:.3f}':>12}" for c in cells))
        return "\n".join(lines + self._steps() + self._formats() + self._peaks())

    def _steps(self) -> list[str]:
        total_rows = sum(self.rows.values())
        lines = ["", f"{'step':<12}{'seconds':>10}{'rows/s':>14}"]
        for step, seconds in self.steps.items():
            rate = f"{total_rows / seconds:,.0f}" if seconds > 0 else "-"
            lines.append(f"{step:<12}{seconds:>10.3f}{rate:>14}")
        return lines + [f"(generation of the synthetic subjects, {self.generation:.3f} s, is measured in the reader "
                        "and not counted in 'mapped'; 'finish' is the cross-dataset checks, define.xml and "
                        "publishing)"]

    def _formats(self) -> list[str]:
        lines = ["", "export's writer vs the bare write (pyreadstat.write_xport; msgspec in one go; stdlib csv):",
                 f"{'format':<8}{'export s':>10}{'bare s':>10}{'ratio':>8}"]
        for fmt, by_dataset in self.bare.items():
            bare = sum(by_dataset.values())
            lines.append(f"{fmt:<8}{self.writes[fmt]:>10.3f}{bare:>10.3f}{self.writes[fmt] / bare:>8.2f}")
        return lines + [
            "(a chunk's conversion into a checked table, shared by the formats, is in 'written', in no format)",
            f"whole export (map, validate, write {'+'.join(self.bare)}, define.xml) {self.export_seconds:.3f} s "
            f"for {sum(self.rows.values())} rows; the bare writes summed {self.bare_seconds:.3f} s",
            f"ratio export / bare writes: {self.ratio:.2f} "
            f"({'meets' if self.ratio <= TARGET else 'misses'} the {TARGET:g}x target)"]

    def _peaks(self) -> list[str]:
        if not self.peaks:
            return []
        largest = max(self.rows, key=lambda name: self.rows[name])
        lines = [""] + [f"tracemalloc peak with {subjects:>6} subjects: {peak / 2**20:8.1f} MiB"
                        for subjects, peak in sorted(self.peaks.items())]
        return lines + [f"largest dataset at {self.subjects} subjects: {largest} with {self.rows[largest]} rows"]


def run_export(study: StudyDefinition, specs: SpecSet, reader: SyntheticStudy, out: Path, formats: Sequence[str],
               progress: StepClock | None = None) -> ExportResult:
    extra = design_datasets(study, ct_version=CT_VERSION)
    return export_submission(study, specs, reader, out, formats=formats, created=CREATED, extra=extra,
                             progress=progress)


def peak_memory(study: StudyDefinition, specs: SpecSet, subjects: int, formats: Sequence[str], root: Path) -> int:
    reader = SyntheticStudy(study, subjects)
    tracemalloc.start()
    try:
        run_export(study, specs, reader, root / f"memory-{subjects}", formats)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_peaks(subjects: int, study_id: str, formats: Sequence[str]) -> dict[int, int]:
    """The tracemalloc peaks of the export of N/4 and N subjects, each printed as soon as measured."""
    study = load_catalog(forms_dir()).study(study_id)
    assert study.sdtm is not None, "the definitions were loaded without their exports/ folder"
    peaks = {}
    with tempfile.TemporaryDirectory(prefix="edc-bench-export-") as tmp:
        # one subject first, not counted: the caches filled once per process (schemas, codelists) would
        # otherwise weigh on the first peak only
        run_export(study, study.sdtm, SyntheticStudy(study, 1), Path(tmp) / "warm", formats)
        for count in sorted({max(1, subjects // 4), subjects}):
            peaks[count] = peak_memory(study, study.sdtm, count, formats, Path(tmp))
    return peaks


def measure(subjects: int, study_id: str = "relmacel", formats: Sequence[str] = ("xpt",),
            memory_check: bool = False) -> Report:
    """The timed export of `formats` (xpt always, the bare writes read its files), then the bare writes."""
    study = load_catalog(forms_dir()).study(study_id)
    specs = study.sdtm
    assert specs is not None, "the definitions were loaded without their exports/ folder"
    written = [fmt for fmt in FORMAT_ORDER if fmt in formats or fmt == "xpt"]
    reader = SyntheticStudy(study, subjects)
    clock_ = StepClock(reader)
    with tempfile.TemporaryDirectory(prefix="edc-bench-export-") as tmp:
        root = Path(tmp)
        with timed_writers() as writes:
            started = time.perf_counter()
            clock_.start()
            result = run_export(study, specs, reader, root / "out", written, clock_)
            clock_.stop()
            export_seconds = time.perf_counter() - started - reader.generation_seconds
        bare = bare_writes(result.files, root / "bare", written)
        peaks = {}
        if memory_check:
            for count in sorted({max(1, subjects // 4), subjects}):
                peaks[count] = peak_memory(study, specs, count, formats, root)
    return Report(subjects, dict(result.rows), dict(clock_.seconds), reader.generation_seconds, export_seconds,
                  dict(writes), bare, peaks)


def main(argv: Sequence[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subjects", type=int, default=10000)
    parser.add_argument("--study", default="relmacel")
    parser.add_argument("--formats", default="xpt", help="comma-separated: xpt,json,csv (xpt is always written)")
    parser.add_argument("--memory-check", action="store_true", help="tracemalloc peaks for N/4 and N subjects")
    parser.add_argument("--memory-only", action="store_true",
                        help="only the tracemalloc peaks for N/4 and N subjects, no timed run (--subjects 10000)")
    args = parser.parse_args(argv)
    if args.memory_only:
        peaks = memory_peaks(args.subjects, args.study, [name for name in args.formats.split(",") if name])
        print("\n".join(f"tracemalloc peak with {count:>6} subjects: {peak / 2**20:8.1f} MiB"
                        for count, peak in peaks.items()))
        return Report(args.subjects, {}, {}, 0.0, 0.0, {}, {}, peaks)
    report = measure(args.subjects, args.study, [name for name in args.formats.split(",") if name],
                     args.memory_check)
    print(report.text())
    return report


if __name__ == "__main__":
    main()
