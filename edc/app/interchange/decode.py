"""ODM text to the JSON value an API client would send for an item, so the import is parsed by the one payload
parser (`edc.capture.payload`, through `edc.app.records.values.validated`) and refused with its messages.

The export writes what `edc.export.odm.clinical.odm_value` writes: booleans 1/0, a multichoice's codes space
separated, numbers and ISO 8601 dates and times as text. A value this module cannot read as its type is passed on
as text, so the payload parser refuses it with the message an API client would get.
"""

from __future__ import annotations

import re

from edc.definitions.model import Form, Item
from edc.export.odm import oids

_INTEGER = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_BOOLEANS = {"1": True, "true": True, "0": False, "false": False}


def form_item(form: Form, item_oid: str) -> Item | None:
    """The item of `form` an ItemOID names (I.<form>.<item>), None when it names none of the form's."""
    name = oids.strip(f"I.{form.id}.", item_oid)
    return None if name is None else form.item(name)


def payload_value(item: Item, text: str | None) -> object:
    """The payload value of ODM `text` for `item` (None: empty)."""
    if text is None or text == "":
        return None
    if item.type == "integer" and _INTEGER.fullmatch(text):
        return int(text)
    if item.type == "boolean":
        return _BOOLEANS.get(text.lower(), text)
    if item.type == "multichoice":
        return text.split()
    return text
