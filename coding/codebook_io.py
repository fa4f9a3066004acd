"""Codebook exchange as tables: CSV import/export and QualCoder-style indented lists."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import pandas as pd

from interviews.importers import ImportFailure
from interviews.importers.encoding import decode
from studies.text import Removed, storable

from .models import Code

FIELD_NAMES = {
    "name": ("name", "code", "code name", "label", "title"),
    "parent": ("parent", "parent code", "path", "category", "parent name"),
    "definition": ("definition", "description", "memo", "meaning"),
    "colour": ("colour", "color", "hex"),
    "inclusion": ("inclusion", "inclusion criteria", "include", "when to use"),
    "exclusion": ("exclusion", "exclusion criteria", "exclude", "when not to use"),
    "typical_example": ("typical example", "example", "typical"),
    "atypical_example": ("atypical example", "atypical", "counter example"),
}
EXPORT_COLUMNS = ["name", "parent", "definition", "colour", "inclusion", "exclusion", "typical_example",
                  "atypical_example", "codings"]  # fmt: skip
PATH_SEPARATOR = " > "


@dataclass
class PlannedCode:
    path: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path[-1]


def _split_path(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in re.split(r"\s*(?:>|/|::)\s*", text) if part.strip())


def _text(filename: str, data: bytes, warnings: list[str] | None) -> str:
    """The decoded file without the characters PostgreSQL cannot store; a warning if some were removed."""
    text, _ = decode(data, filename)
    removed = Removed()
    text = storable(text, removed)
    if removed and warnings is not None:
        warnings.append(removed.warning(filename))
    return text


def parse_csv(filename: str, data: bytes, warnings: list[str] | None = None) -> list[PlannedCode]:
    text = _text(filename, data, warnings)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:5000], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFailure(filename, "is empty")
    header = [re.sub(r"[\s_]+", " ", h.strip().lower()) for h in rows[0]]
    columns: dict[str, int] = {}
    for key, names in FIELD_NAMES.items():
        for i, h in enumerate(header):
            if h in names and i not in columns.values():
                columns[key] = i
                break
    if "name" not in columns:
        raise ImportFailure(filename, f"has no name column (found: {', '.join(rows[0]) or 'none'})")
    planned: list[PlannedCode] = []
    for number, row in enumerate(rows[1:], start=2):

        def get(key: str, row: list[str] = row) -> str:
            i = columns.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        name = get("name")
        if not name:
            raise ImportFailure(filename, f"row {number} has no code name")
        parent = _split_path(get("parent"))
        fields = {k: get(k) for k in FIELD_NAMES if k not in ("name", "parent") and get(k)}
        planned.append(PlannedCode((*parent, name), fields))
    return planned


def parse_indented(filename: str, data: bytes, warnings: list[str] | None = None) -> list[PlannedCode]:
    """One code per line; deeper indentation (tabs or spaces) = child of the line above."""
    text = _text(filename, data, warnings)
    planned: list[PlannedCode] = []
    stack: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        expanded = raw.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip())
        name = re.sub(r"^(?:[-*•+]|\d+[.)])\s+", "", expanded.strip())
        definition = ""
        if " : " in name:
            name, definition = (part.strip() for part in name.split(" : ", 1))
        if not name:
            raise ImportFailure(filename, f"line {number} has no code name")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = (*[n for _, n in stack], name)
        planned.append(PlannedCode(path, {"definition": definition} if definition else {}))
        stack.append((indent, name))
    if not planned:
        raise ImportFailure(filename, "is empty")
    return planned


def validate_plan(filename: str, planned: list[PlannedCode], existing: set[tuple[str, ...]]) -> None:
    seen: set[tuple[str, ...]] = set()
    paths = {tuple(p.lower() for p in code.path) for code in planned} | {tuple(p.lower() for p in e) for e in existing}
    for code in planned:
        key = tuple(p.lower() for p in code.path)
        if key in seen:
            raise ImportFailure(filename, f"lists “{PATH_SEPARATOR.join(code.path)}” twice")
        seen.add(key)
        if len(key) > 1 and key[:-1] not in paths:
            raise ImportFailure(
                filename,
                f"gives “{code.name}” the parent “{PATH_SEPARATOR.join(code.path[:-1])}”, which is not defined",
            )
        if len(code.name) > 200:
            raise ImportFailure(filename, f"has a code name longer than 200 characters: “{code.name[:40]}…”")
        colour = code.fields.get("colour", "")
        if colour and not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            raise ImportFailure(filename, f"gives “{code.name}” the colour {colour!r}; write colours as #rrggbb")


def code_paths(codes: list[Code]) -> dict[int, tuple[str, ...]]:
    by_id = {c.pk: c for c in codes}
    paths: dict[int, tuple[str, ...]] = {}

    def path(code: Code, depth: int = 0) -> tuple[str, ...]:
        if code.pk in paths:
            return paths[code.pk]
        parent = by_id.get(code.parent_id) if code.parent_id else None
        result = (*path(parent, depth + 1), code.name) if parent is not None and depth < 100 else (code.name,)
        paths[code.pk] = result
        return result

    for code in codes:
        path(code)
    return paths


def export_frame(codes: list[Code], counts: dict[int, int]) -> pd.DataFrame:
    paths = code_paths(codes)
    rows = [
        {
            "name": c.name,
            "parent": PATH_SEPARATOR.join(paths[c.pk][:-1]),
            "definition": c.definition,
            "colour": c.colour,
            "inclusion": c.inclusion,
            "exclusion": c.exclusion,
            "typical_example": c.typical_example,
            "atypical_example": c.atypical_example,
            "codings": counts.get(c.pk, 0),
        }
        for c in sorted(codes, key=lambda c: paths[c.pk])
    ]
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)
