"""`{% theme_findings theme as findings_panel %}`: the theme page's findings part computes its own
figures, so the page that includes it (`templates/themes/_findings.html`) needs to pass nothing
but the theme; a view that already built them passes `findings_panel` and this reuses it."""

from __future__ import annotations

from typing import Any

from django import template

from themes.coverage import FindingView, document_label, findings_panel
from themes.models import Theme

register = template.Library()


@register.simple_tag(takes_context=True)
def theme_findings(context: template.Context, theme: Theme) -> list[FindingView]:
    given: Any = context.get("findings_panel")
    if given is not None:
        return list(given)
    request = context.get("request")
    return findings_panel(theme=theme, user=getattr(request, "user", None))


@register.filter
def without_participant(title: str, participants: Any) -> str:
    """`{{ title|without_participant:participants }}`: the document's title without the participant
    label the excerpt's line already shows (`themes.coverage.document_label`)."""
    return document_label(str(title), participants or [])
