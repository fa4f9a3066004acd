"""Every read of codings goes through `coding.selectors` (and writes through `coding.services`).

Blind agreement rounds hide other coders' codings in `coding.selectors.visibility`; one query
of `Coding` elsewhere would leak them. This scans the project's source (not tests, benchmarks
or migrations) and fails on any direct use of the `Coding` manager, of a `.codings` related
manager, or of a `codings` lookup, outside those two packages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = ("coding/selectors/", "coding/services/")
SKIPPED = (".venv/", "node_modules/", "tests/", "bench/", "/migrations/", "var/")
LOOKUP = re.compile(r"^-?codings?__")
# What a related manager is used with (`impact.codings` as a plain attribute is fine).
MANAGER = {
    "all", "filter", "exclude", "get", "count", "exists", "first", "last", "values", "values_list", "aggregate",
    "annotate", "order_by", "select_related", "prefetch_related", "update", "delete", "create", "in_bulk", "iterator",
}  # fmt: skip
# Calls whose string arguments are field paths: a bare "codings" there reads the relation.
PATH_CALLS = {
    "Count", "Sum", "Max", "Min", "Avg", "F", "Prefetch", "prefetch_related", "select_related", "values",
    "values_list", "only", "defer", "order_by", "annotate", "aggregate", "distinct",
}  # fmt: skip


def _sources() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if any(part in f"/{rel}" or rel.startswith(part) for part in SKIPPED):
            continue
        files.append(path)
    return files


def direct_reads(source: str) -> list[tuple[int, str]]:
    """(line, what) for every direct use of codings in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            if (
                node.attr in ("objects", "_default_manager", "_base_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id == "Coding"
            ):
                found.append((node.lineno, f"Coding.{node.attr}"))
            elif isinstance(node.value, ast.Attribute) and node.value.attr == "codings" and node.attr in MANAGER:
                found.append((node.lineno, f".codings.{node.attr}"))
        elif isinstance(node, ast.Call):
            values = [*node.args, *(k.value for k in node.keywords)]
            names = [k.arg for k in node.keywords if k.arg]
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            for value in values:
                if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    continue
                text = value.value
                if LOOKUP.match(text) or (called in PATH_CALLS and text.lstrip("-") == "codings"):
                    found.append((node.lineno, f"lookup {text!r}"))
            for name in names:
                if LOOKUP.match(name) or name == "codings":
                    found.append((node.lineno, f"lookup {name}="))
    return sorted(found)


def test_the_scan_finds_each_kind_of_direct_read() -> None:
    source = (
        "a = Coding.objects.filter(x=1)\n"
        "b = code.codings.count()\n"
        "c = Transcript.objects.annotate(n=Count('codings'))\n"
        "ok = models.ForeignKey(Transcript, related_name='codings')\n"
        "d = Transcript.objects.filter(codings__code=1)\n"
        "m = Memo.objects.select_related('coding__code')\n"
        "e = Coding._default_manager.all()\n"
    )
    assert [line for line, _ in direct_reads(source)] == [1, 2, 3, 5, 6, 7]


def test_codings_are_read_only_through_the_selectors() -> None:
    offenders = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ALLOWED):
            continue
        offenders += [f"{rel}:{line}: {what}" for line, what in direct_reads(path.read_text(encoding="utf-8"))]
    assert not offenders, "Read codings through coding.selectors:\n" + "\n".join(offenders)
