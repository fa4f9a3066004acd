from __future__ import annotations

from django import template
from markupsafe import Markup

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> Markup:
    """Memo Markdown as sanitised HTML."""
    return render_markdown(text)
