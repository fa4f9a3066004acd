from __future__ import annotations

from django import template

from ..importers.timestamps import format_ms

register = template.Library()


@register.filter
def timestamp(ms: int | None) -> str:
    """Milliseconds as h:mm:ss, the way transcripts print times."""
    return format_ms(ms)


@register.filter
def get_item(mapping: dict, key: object) -> object:  # type: ignore[type-arg]
    return mapping.get(key)
