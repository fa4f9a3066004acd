from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from studies.jobs import create_job, finish_job
from studies.models import Invitation, JobKind, Membership

from .common import MANAGE_FORM, READ, expect, post


def kwargs(team: Any) -> dict[str, Any]:
    # A finished export started by the coder: everyone may see its page, only the coder its file.
    job = create_job(study=team.study, kind=JobKind.EXPORT_PARTICIPANTS, user=team.coder, params={"format": "csv"})
    finish_job(job, result={"filename": "p.csv", "rows": 0}, result_file=ContentFile(b"id\n", name="p.csv"))
    invitation = Invitation.objects.create(study=team.study, created_by=team.owner, role="coder")
    viewer_membership = Membership.objects.get(study=team.study, user=team.viewer)
    return {
        "slug": team.study.slug,
        "job_uuid": job.uuid,
        "invitation_uuid": invitation.uuid,
        "membership_id": viewer_membership.pk,
        "token": invitation.token,
    }


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {
    "home": {"GET": expect(302, 302, 302, 302, 302)},
    "favicon": {"GET": expect(301, 301, 301, 301, 301)},
    "studies:list": {"GET": expect(302, 200, 200, 200, 200)},
    "studies:create": {"GET": expect(302, 200, 200, 200, 200), "POST": expect(302, 200, 200, 200, 200)},
    "studies:dashboard": {"GET": READ},
    "studies:edit": {"GET": MANAGE_FORM, "POST": post(200, min_role="owner")},
    "studies:members": {"GET": READ, "POST": post(200, min_role="owner")},
    "studies:member_role": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302, min_role="owner")},
    "studies:member_remove": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302, min_role="owner")},
    "studies:invitation_create": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302, min_role="owner")},
    "studies:invitation_revoke": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302, min_role="owner")},
    "studies:job_detail": {"GET": READ},
    # An export holds what its starter may see: the file is theirs alone.
    "studies:job_download": {"GET": expect(302, 404, 404, 200, 404)},
    # The matrix's job is a finished export: a retry is refused with a message, nothing changes.
    "studies:job_retry": {"GET": expect(302, 405, 405, 405, 405), "POST": post(302)},
    "accounts:login": {"GET": expect(200, 200, 200, 200, 200)},
    "accounts:logout": {"POST": expect(302, 302, 302, 302, 302)},
    "accounts:password_change": {"GET": expect(302, 200, 200, 200, 200), "POST": expect(302, 200, 200, 200, 200)},
    # Anyone holding the link may see it; it is single-use, so the matrix only GETs it.
    "accounts:accept_invitation": {"GET": expect(200, 200, 200, 200, 200)},
}
