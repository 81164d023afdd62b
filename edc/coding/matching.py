"""When a verbatim term codes itself: an exact match on the name key, and only one dictionary entry matching.

The key ignores case and spacing, nothing else: "  head ACHE " is not
"Headache", and "Headache " is. Spelling, abbreviations and synonyms are the
data manager's to decide, from the coding queue.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_KEY = 500
"""Names and verbatim terms longer than this are not matched automatically (their key is empty): no verbatim
item of the library is half as long, and an index on longer keys would not fit PostgreSQL's limit."""


def name_key(text: str) -> str:
    """The form a name is compared in: case folded, leading and trailing space dropped, inner runs of white
    space as one space."""
    key = " ".join(text.split()).casefold()
    return key if len(key) <= MAX_KEY else ""


def single_match(codes: Iterable[str]) -> str | None:
    """The code an exact match decides: the one code every matching entry has, else None (no match, or two
    entries of one name with different codes, which needs a person to choose)."""
    found = set(codes)
    return found.pop() if len(found) == 1 else None
