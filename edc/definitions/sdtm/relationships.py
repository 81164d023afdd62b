"""The checks of a RELREC spec: each relationship names datasets specified here and variables they have.

A relationship relates each record of `one` to the records of `many` whose
`key` equals its own (AE by AESEQ to the FA rows with FASPID = AESPID); both
datasets must be domains specified for the study (not SUPP-- or another
RELREC), `idvar` and `key` variables of them, and a `many.idvar` that is not
the key (FASEQ) relates each record on its own. Problems go to the `Problems`
collector at the line of the relationship.
"""

from __future__ import annotations

from collections.abc import Mapping

from edc.definitions.problems import Problems
from edc.definitions.sdtm.model import DomainSpec, RelatedRecords, SpecFile
from edc.definitions.sources import Located, report


def check_relationships(spec: SpecFile, where: Located, loaded: Mapping[str, tuple[DomainSpec, Located]],
                        problems: Problems) -> None:
    if spec.dataset.name != "RELREC" or spec.dataset.dataset_class != "RELATIONSHIP":
        report(problems, where.child("dataset"), "a spec with 'relationships' is RELREC, class RELATIONSHIP",
               "name")
    seen: set[str] = set()
    for index, relationship in enumerate(spec.relationships):
        at = where.child("relationships", index)
        if relationship.relid in seen:
            report(problems, at, f"relid '{relationship.relid}' is given to two relationships", "relid")
        seen.add(relationship.relid)
        for side, records in (("one", relationship.one), ("many", relationship.many)):
            _check_side(records, at.child(side), loaded, problems)
        if relationship.one.domain == relationship.many.domain:
            report(problems, at, "a relationship relates the records of two different datasets", "many", "domain")


def _check_side(records: RelatedRecords, at: Located, loaded: Mapping[str, tuple[DomainSpec, Located]],
                problems: Problems) -> None:
    found = loaded.get(records.domain)
    domain = found[0] if found is not None else None
    if domain is None or not domain.spec.variables:
        report(problems, at, f"'{records.domain}' is not a domain specified here (a spec with 'variables')",
               "domain")
        return
    for field in ("idvar", "key"):
        name = getattr(records, field)
        if domain.variable(name) is None:
            report(problems, at, f"'{name}' is not a variable of {records.domain}", field)
