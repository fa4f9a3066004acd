from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Memo Markdown as sanitised HTML."""
    return render_markdown(text)
