"""Study forms that extend a library form: stitching the override onto its base.

The result is plain data plus a locator, so the merged form is validated by
the same model as any other form and every error still points at the file
and line where the offending value was written (the library or the study).
"""

from __future__ import annotations

from typing import Any

from edc.definitions.problems import Problems
from edc.definitions.sources import CompositeLocator
from edc.definitions.yamlsrc import SourceDoc

OVERRIDE_KEYS = frozenset({"extends", "id", "title", "domain", "repeating", "key", "items",
                           "remove_items", "checks", "assumption"})


def merge_override(
    override: SourceDoc, base: SourceDoc, problems: Problems
) -> tuple[dict[str, Any], CompositeLocator]:
    """Apply the study `override` document to the library `base` form document."""
    patch: dict[str, Any] = override.data["form"]
    form: dict[str, Any] = dict(base.data["form"])
    where = CompositeLocator()
    where.add(("form",), base, ("form",))
    for key in patch:
        if key not in OVERRIDE_KEYS:
            problems.add(override.file, override.line(("form", key)), f"unknown key '{key}' in form override")
    form["id"] = patch.get("id", form.get("id"))
    where.add(("form", "id"), override, ("form", "extends" if "id" not in patch else "id"))
    for key in ("title", "domain", "repeating", "key", "assumption"):
        if key in patch:
            form[key] = patch[key]
            where.add(("form", key), override, ("form", key))
    form["items"] = _merge_entries(
        "name", base, ("form", "items"), override, ("form", "items"), where, problems)
    form["items"] = _remove_items(form["items"], override, where, problems)
    form["checks"] = _merge_entries(
        "id", base, ("form", "checks"), override, ("form", "checks"), where, problems)
    return {"form": form}, where


def _entries(doc: SourceDoc, path: tuple[str, ...]) -> tuple[Any, ...]:
    node: Any = doc.data
    for key in path:
        node = node.get(key, ()) if isinstance(node, dict) else ()
    return node if isinstance(node, tuple) else ()


def _merge_entries(
    key: str,
    base: SourceDoc,
    base_path: tuple[str, ...],
    override: SourceDoc,
    patch_path: tuple[str, ...],
    where: CompositeLocator,
    problems: Problems,
) -> tuple[Any, ...]:
    """Entries with a known `key` are patched field by field; new ones are appended."""
    merged: list[Any] = list(_entries(base, base_path))
    origins: list[tuple[SourceDoc, tuple[str | int, ...]]] = [
        (base, base_path + (i,)) for i in range(len(merged))]
    for j, patch in enumerate(_entries(override, patch_path)):
        if not isinstance(patch, dict) or key not in patch:
            problems.add(override.file, override.line(patch_path + (j,)),
                         f"each entry of {patch_path[-1]} in an override needs '{key}'")
            continue
        index = next((i for i, e in enumerate(merged)
                      if isinstance(e, dict) and e.get(key) == patch[key]), None)
        if index is None:
            merged.append(patch)
            origins.append((override, patch_path + (j,)))
        else:
            # Keys the patch leaves alone are still located in the base file.
            for key_name in merged[index]:
                if key_name not in patch:
                    where.add(base_path + (index, key_name), base, base_path + (index, key_name))
            merged[index] = {**merged[index], **patch}
            origins[index] = (override, patch_path + (j,))
    for i, (doc, origin) in enumerate(origins):
        where.add(base_path + (i,), doc, origin)
    return tuple(merged)


def _remove_items(
    items: tuple[Any, ...], override: SourceDoc, where: CompositeLocator, problems: Problems
) -> tuple[Any, ...]:
    removed = override.data["form"].get("remove_items", ())
    names = {i.get("name") for i in items if isinstance(i, dict)}
    for j, name in enumerate(removed if isinstance(removed, tuple) else ()):
        if name not in names:
            problems.add(override.file, override.line(("form", "remove_items", j)),
                         f"remove_items names '{name}', which the base form does not have")
    if not removed:
        return items
    kept = []
    for i, entry in enumerate(items):
        if isinstance(entry, dict) and entry.get("name") in removed:
            continue
        kept.append((i, entry))
    # Re-point the locator: the kept entries moved to new indices.
    old = {i: where.parts.get(("form", "items", i)) for i, _ in kept}
    for i in range(len(items)):
        where.parts.pop(("form", "items", i), None)
    for new_index, (old_index, _) in enumerate(kept):
        hit = old[old_index]
        if hit is not None:
            where.parts[("form", "items", new_index)] = hit
    return tuple(entry for _, entry in kept)
