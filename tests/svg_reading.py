"""Reading the plots' SVG as XML: the texts it shows, its groups by id, the marker each group draws."""

from __future__ import annotations

import xml.etree.ElementTree as ET

NS = {"svg": "http://www.w3.org/2000/svg", "xlink": "http://www.w3.org/1999/xlink"}
HREF = "{http://www.w3.org/1999/xlink}href"


def parse(svg: str) -> ET.Element:
    """The SVG's root element (ParseError when it is not well-formed XML)."""
    return ET.fromstring(svg.encode())


def texts(root: ET.Element) -> list[str]:
    """Every <text> element's content, in document order."""
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def groups(root: ET.Element, prefix: str) -> dict[str, ET.Element]:
    """id -> <g> element, for the groups whose id starts with `prefix`."""
    return {g.get("id", ""): g for g in root.iter("{http://www.w3.org/2000/svg}g")
            if g.get("id", "").startswith(prefix)}


def markers(group: ET.Element) -> list[str]:
    """The marker definitions a group draws (the href of each <use>)."""
    return [use.get(HREF, "") for use in group.iter("{http://www.w3.org/2000/svg}use")]


def marker_shape(root: ET.Element, href: str) -> str:
    """The path data of the marker `href` points to: equal shapes, equal paths."""
    path = next(p for p in root.iter("{http://www.w3.org/2000/svg}path") if p.get("id") == href.lstrip("#"))
    return " ".join(path.get("d", "").split())
