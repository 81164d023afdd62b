"""Who performs a service call: the user, the role they act in and the site they are restricted to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The user acting, in which role, and the site they are limited to (None: every site)."""

    user_id: int
    role: str
    site_id: int | None = None
