from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..importers.timestamps import format_ms

register = template.Library()


@register.filter
def timestamp(ms: int | None) -> str:
    """Milliseconds as h:mm:ss, the way transcripts print times."""
    return format_ms(ms)


@register.filter
def get_item(mapping: dict, key: object) -> object:  # type: ignore[type-arg]
    return mapping.get(key)


_WHITESPACE_RUN = re.compile(r"[ \t\n]{8,}|\A[ \t\n]+\Z")
_WHITESPACE_NAMES = {" ": ("space", "spaces"), "\t": ("tab", "tabs"), "\n": ("line break", "line breaks")}
MAX_CHANGE_CHARS = 2000


def _describe_whitespace(run: str) -> str:
    parts = []
    for char, (one, many) in _WHITESPACE_NAMES.items():
        count = run.count(char)
        if count:
            parts.append(f"{count:,} {one if count == 1 else many}")
    return "⟨" + ", ".join(parts) + "⟩"


@register.filter
def visible_change(text: str) -> SafeString:
    """A changed passage of a correction, readable: a run of whitespace (invisible, and 200,000
    spaces would fill the page) is named instead ("⟨200,000 spaces⟩"), and a long passage is cut
    after MAX_CHANGE_CHARS characters with its length said. The text is escaped."""
    parts: list[str] = []
    budget = MAX_CHANGE_CHARS
    position = 0
    runs = [*_WHITESPACE_RUN.finditer(text), None]
    for match in runs:
        plain = text[position : match.start() if match else len(text)]
        if len(plain) > budget:
            parts.append(escape(plain[:budget]))
            parts.append(f' <span class="whitespace">… ({len(text):,} characters in all)</span>')
            break
        parts.append(escape(plain))
        budget -= len(plain)
        if match is None:
            break
        parts.append(f'<span class="whitespace">{_describe_whitespace(match.group())}</span>')
        position = match.end()
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the text is escaped above
