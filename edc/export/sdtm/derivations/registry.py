"""The implemented derivations by name, exactly those `edc.definitions.sdtm.derivations` declares.

Each family module (identifiers, timing, events, findings, criteria, coding,
toxicity) lists its own, and those with a form compiled per row block; this
module gathers them and checks at import that the spec loader accepts exactly
the names implemented here.
"""

from __future__ import annotations

from edc.definitions.sdtm.derivations import DERIVATIONS as DECLARED
from edc.export.sdtm.derivations.coding import CODING
from edc.export.sdtm.derivations.context import Derivation, Preparer
from edc.export.sdtm.derivations.criteria import CRITERIA
from edc.export.sdtm.derivations.events import EVENTS
from edc.export.sdtm.derivations.findings import FINDINGS
from edc.export.sdtm.derivations.identifiers import IDENTIFIERS
from edc.export.sdtm.derivations.timing import TIMING, TIMING_PREPARED
from edc.export.sdtm.derivations.toxicity import TOXICITY

DERIVATIONS: dict[str, Derivation] = {
    **IDENTIFIERS,
    **TIMING,
    **EVENTS,
    **FINDINGS,
    **CRITERIA,
    **CODING,
    **TOXICITY,
    "flag": lambda c, a: "Y" if c.values.get(a["of"]) not in (None, "") else None,
}
PREPARED: dict[str, Preparer] = {**TIMING_PREPARED}
"""The derivations with a compiled form for a row block (`Preparer`): the export compiles those once per block."""
# the spec loader accepts exactly the names implemented here; a compiled form is one of a derivation
if set(DERIVATIONS) != set(DECLARED) or not set(PREPARED) <= set(DERIVATIONS):
    stray = set(DERIVATIONS) ^ set(DECLARED) | set(PREPARED) - set(DERIVATIONS)
    raise ImportError(f"derivations out of step: {sorted(stray)}")
