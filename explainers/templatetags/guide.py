"""`{% technique_guide technique.slug as guide %}`: the technique page's guide (what it answers, its
limits, its sources; `explainers.guide`) is looked up by the partial that shows it, so the page's view
need not pass it and the partial can be included wherever a technique is in the context."""

from __future__ import annotations

from django import template

from explainers.guide import Guide, guide_for

register = template.Library()


@register.simple_tag
def technique_guide(slug: str) -> Guide | None:
    return guide_for(str(slug))
