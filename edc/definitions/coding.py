"""Medical coding's vocabulary: the dictionaries, which verbatim terms each codes, and the levels a code has.

A form item is a verbatim term to code when its SDTM target is one of
`CODED_VARIABLES` (AETERM and MHTERM with MedDRA, CMTRT with WHODrug): the
annotation the forms already carry says it, so no YAML key is needed. The
dictionaries themselves are licensed data a sponsor loads (`edc coding load`);
a study uses one loaded version of each, set by its data manager.

`LEVELS` names what a coding decision gives an export, per dictionary, with
the type of each: the names and codes of MedDRA's hierarchy (the primary
path of the preferred term), the WHODrug preferred name, drug code and ATC
class. An SDTM spec reads them with `derive: coded, args: {item, level}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from edc.definitions.model import Form

MEDDRA: Final = "meddra"
WHODRUG: Final = "whodrug"
DICTIONARIES: Mapping[str, str] = MappingProxyType({MEDDRA: "MedDRA", WHODRUG: "WHODrug"})
"""Dictionary kind -> its name as people write it."""

CODED_VARIABLES: Mapping[str, str] = MappingProxyType({"AETERM": MEDDRA, "MHTERM": MEDDRA, "CMTRT": WHODRUG})
"""The SDTM verbatim-term variables and the dictionary that codes each."""

LEVELS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    MEDDRA: MappingProxyType({
        "llt": "text", "llt_code": "integer", "pt": "text", "pt_code": "integer", "hlt": "text",
        "hlt_code": "integer", "hlgt": "text", "hlgt_code": "integer", "soc": "text", "soc_code": "integer",
    }),
    WHODRUG: MappingProxyType({"drug": "text", "drug_code": "text", "atc": "text", "atc_code": "text"}),
})
"""Dictionary kind -> level -> the SDTM type of its value (MedDRA codes are numbers, ATC codes text)."""


def coded_items(form: Form) -> dict[str, str]:
    """The form's verbatim-term items and the dictionary kind that codes each (none for most forms)."""
    found = {}
    for item in form.items:
        variable = item.sdtm.variable if item.sdtm is not None else None
        if variable is not None and variable in CODED_VARIABLES and item.type == "text":
            found[item.name] = CODED_VARIABLES[variable]
    return found
