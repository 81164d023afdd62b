"""The implemented derivations by name, exactly those `edc.definitions.sdtm.derivations` declares.

Each family module (identifiers, timing, events, findings, criteria, coding,
toxicity) lists its own; this module gathers them and checks at import that
the spec loader accepts exactly the names implemented here.
"""

from __future__ import annotations

from edc.definitions.sdtm.derivations import DERIVATIONS as DECLARED
from edc.export.sdtm.derivations.coding import CODING
from edc.export.sdtm.derivations.context import Derivation
from edc.export.sdtm.derivations.criteria import CRITERIA
from edc.export.sdtm.derivations.events import EVENTS
from edc.export.sdtm.derivations.findings import FINDINGS
from edc.export.sdtm.derivations.identifiers import IDENTIFIERS
from edc.export.sdtm.derivations.timing import TIMING
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
if set(DERIVATIONS) != set(DECLARED):  # the spec loader accepts exactly the names implemented here
    raise ImportError(f"derivations out of step: {sorted(set(DERIVATIONS) ^ set(DECLARED))}")
