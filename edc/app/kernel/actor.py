"""Who performs a service call: the user, the role they act in and the sites they are limited to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The user acting, in which role, and the sites whose subjects they may see (None: every site)."""

    user_id: int
    role: str
    site_ids: frozenset[int] | None = None

    def sees(self, site_id: int) -> bool:
        """True when the actor may see and act on subjects of `site_id`."""
        return self.site_ids is None or site_id in self.site_ids
