"""The base of every study definition object and the constrained strings they share (ids, codes, text)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

SnakeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=30)]
FormId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=24)]
StudyId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=12)]
UpperId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*$", max_length=8)]
Domain = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
SdtmName = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,7}$")]
Text = Annotated[str, StringConstraints(min_length=1)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Strict(BaseModel):
    """Base of every definition object: frozen, strictly typed, no unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    assumption: Text | None = None
