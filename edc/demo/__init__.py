"""Realistic synthetic demo data for the four trials, written through the same services the API uses.

`populate(engine, catalog, actor_for=..., seed=7, today=...)` screens, treats
and follows demo subjects in every trial that has none yet and returns a
`DemoSummary`; `generate_payload(study, form_id, rng, on=...)` builds a valid
payload for any form of any study from its definition.
"""

from edc.demo.generator import generate_payload
from edc.demo.populate import DemoSummary, StudySummary, populate
from edc.demo.timeline import DemoError

__all__ = ["DemoError", "DemoSummary", "StudySummary", "generate_payload", "populate"]
