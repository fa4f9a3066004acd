from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from assist.views import reader_suggestions
from coding.selectors import reader_context
from explainers.marks import mark_mentions
from explainers.selectors import transcript_techniques
from studies.access import study_access

from ..access import get_transcript_for_user


@login_required
def transcript_detail(request: HttpRequest, slug: str, transcript_uuid: UUID) -> HttpResponse:
    transcript = get_transcript_for_user(request, slug, transcript_uuid)
    can_code = study_access(request).can_code
    context = reader_context(transcript=transcript, user=request.user)
    # Stored mentions only (one query; one more when there are none): no page runs spaCy. The same
    # rows fill the side panel and the inline marks.
    techniques = transcript_techniques(transcript)
    mark_mentions(context["turns"], techniques["mentions"], transcript.study.slug)
    config = {
        "canCode": can_code,
        "study": transcript.study.slug,
        "user": request.user.pk,
        "now": timezone.now().isoformat(),
        "applyUrl": reverse("coding:apply", args=[slug, transcript.uuid]),
        "pollUrl": reverse("coding:transcript_codings", args=[slug, transcript.uuid]),
        "codingUrl": reverse("coding:change", args=[slug, "00000000-0000-0000-0000-000000000000"]),
        "removeUrl": reverse("coding:remove", args=[slug, "00000000-0000-0000-0000-000000000000"]),
        "coders": context.pop("coders_json"),
        "memoUrl": reverse("coding:memo_new", args=[slug]),
    }
    return render(
        request,
        "interviews/transcript_detail.html",
        {
            "study": transcript.study,
            "transcript": transcript,
            "can_code": can_code,
            "config": config,
            "techniques_panel": techniques,
            "suggestions_panel": reader_suggestions(request, transcript),
            **context,
        },
    )
