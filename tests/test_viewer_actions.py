"""A viewer (read-only member) is offered no action they cannot take.

Every page a viewer may open in a demo study is fetched as that viewer, and its HTML is searched for
a form (or htmx request) that posts to a URL where a viewer's POST is refused, and for a link (or
htmx fetch) to a page a viewer may not open. Which URLs those are comes from the permission matrix
(tests/permissions/*.py): a URL whose viewer expectation is 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import product
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import Resolver404, get_resolver, resolve, reverse

from coding.models import Code, Coding
from coding.services.codebook import create_code, delete_code
from coding.services.memos import create_memo
from interviews.models import Participant, Protocol, Transcript
from studies.demo.loader import load_demo
from studies.jobs import create_job, finish_job
from studies.models import JobKind, Membership, Role, Study
from tests.conftest import Team
from tests.factories import make_user
from tests.test_permission_matrix import EXPECTATIONS, _walk

DEMO_SLUG = "hopkins-booth-2021-outside-big-tech"

# Where a viewer is refused: pages they may not open, and URLs they may not post to.
WRITE_PAGES = {name for name, methods in EXPECTATIONS.items() if methods.get("GET", {}).get("viewer") == 403}
WRITE_POSTS = {name for name, methods in EXPECTATIONS.items() if methods.get("POST", {}).get("viewer") == 403}

# Query strings that make a page show more of what it can show (results, hits, a segment).
VARIANTS: dict[str, list[str]] = {
    "coding:retrieval": ["", "code={code_uuid}"],
    "coding:kwic": ["", "q=model"],
    "coding:segment_context": ["start={start}&end={end}", "start={start}&end={end}&around=on"],
    "coding:memo_list": ["", "target=coding"],
}
# Answers that are not pages: the reader's poll is JSON (what it offers is checked on the reader).
NOT_PAGES = {"coding:transcript_codings"}

# Pages whose templates belong to other engineers and still offer a viewer something (see the
# lead's report); listed here only while they fail.
OWNED_ELSEWHERE: dict[str, str] = {}


def _routes() -> dict[str, str]:
    return dict(_walk(get_resolver().url_patterns))


def _viewer_pages() -> list[str]:
    routes = _routes()
    return sorted(
        name
        for name, methods in EXPECTATIONS.items()
        # A fragment that needs a query string (e.g. the retrieval's context) answers 400 without one.
        if (
            methods.get("GET", {}).get("viewer") == 200
            or (name in VARIANTS and methods.get("GET", {}).get("viewer") == 400)
        )
        and ("<slug:slug>" in routes.get(name, "") or name == "studies:list")
        and name not in NOT_PAGES
    )


def _params() -> list[Any]:
    cases = []
    for name in _viewer_pages():
        marks = [pytest.mark.xfail(reason=OWNED_ELSEWHERE[name], strict=False)] if name in OWNED_ELSEWHERE else []
        cases.append(pytest.param(name, marks=marks, id=name))
    return cases


@dataclass
class Offer:
    kind: str  # "posts to", "links to", "fetches"
    url_name: str
    element: str


@dataclass
class OfferFinder(HTMLParser):
    page_path: str
    offers: list[Offer] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def _check(self, kind: str, url: str | None, element: str, refused: set[str]) -> None:
        if url is None:
            return
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "javascript", "data") or parts.netloc not in ("", "testserver"):
            return
        path = parts.path or self.page_path
        if not path.startswith("/"):
            return
        try:
            match = resolve(path)
        except Resolver404:
            return
        name = f"{match.namespace}:{match.url_name}" if match.namespace else str(match.url_name)
        if name in refused:
            self.offers.append(Offer(kind, name, element))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        element = self.get_starttag_text() or tag
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._check("posts to", a.get("action") or self.page_path, element, WRITE_POSTS)
        if tag == "form" and (a.get("method") or "get").lower() == "get" and a.get("action"):
            self._check("links to", a.get("action"), element, WRITE_PAGES)
        if tag in ("a", "area"):
            self._check("links to", a.get("href"), element, WRITE_PAGES)
        if a.get("formaction"):
            self._check("posts to", a.get("formaction"), element, WRITE_POSTS)
        for verb in ("hx-post", "hx-put", "hx-patch", "hx-delete"):
            self._check("posts to", a.get(verb), element, WRITE_POSTS)
        self._check("fetches", a.get("hx-get"), element, WRITE_PAGES)


@dataclass
class Demo:
    study: Study
    viewer: Any
    kwargs: dict[str, list[Any]]
    formats: dict[str, Any]


def _demo_study() -> Demo:
    """The Hopkins & Booth demo study, with a viewer who used to be a coder (so some changes, memos
    and an export are theirs), memos on everything, a deleted code and finished jobs."""
    owner = make_user("olivia_owner")
    load_demo(owner=owner)
    study = Study.objects.get(slug=DEMO_SLUG)
    coder = make_user("cora_coder")
    viewer = make_user("victor_viewer")
    Membership.objects.create(study=study, user=coder, role=Role.CODER)
    membership = Membership.objects.create(study=study, user=viewer, role=Role.CODER)

    transcript = max(Transcript.objects.filter(study=study), key=lambda t: Coding.objects.filter(transcript=t).count())
    coding = Coding.objects.filter(transcript=transcript).order_by("start").first()
    assert coding is not None
    parent = Code.objects.filter(study=study, children__isnull=False).distinct().first() or coding.code
    participant = Participant.objects.filter(study=study, transcripts=transcript).first()
    protocol = Protocol.objects.filter(study=study).first()
    assert participant is not None and protocol is not None
    # While still a coder, the viewer made changes and wrote memos.
    create_code(study=study, user=viewer, name="Viewer's old code")
    memos = [
        create_memo(study=study, author=viewer, target="study", obj=None, title="Journal", body="A *journal* entry"),
        create_memo(study=study, author=viewer, target="code", obj=parent, title="", body="On the code"),
        create_memo(study=study, author=viewer, target="coding", obj=coding, title="", body="On the coding"),
        create_memo(study=study, author=viewer, target="transcript", obj=transcript, title="", body="On the document"),
        create_memo(study=study, author=viewer, target="participant", obj=participant, title="", body="On them"),
    ]
    doomed = create_code(study=study, user=coder, name="Dropped code")
    delete_code(code=doomed, user=coder)
    export = create_job(study=study, kind=JobKind.EXPORT_PARTICIPANTS, user=viewer, params={"format": "csv"})
    finish_job(export, result={"filename": "p.csv", "rows": 0}, result_file=ContentFile(b"id\n", name="p.csv"))
    imported = create_job(study=study, kind=JobKind.IMPORT_TRANSCRIPT, user=viewer, params={})
    finish_job(imported, result={"url": transcript.get_absolute_url(), "link_text": "Open the document"})
    # A final theme holding the coding's code, with a finding quoting it and citing a technique
    # (the theme page, the finding page and browse mode), made while the viewer was a coder.
    from themes.models import ThemeStatus
    from themes.services.findings import add_excerpt, cite_technique, create_finding
    from themes.services.themes import create_theme

    theme = create_theme(
        study=study, user=viewer, name="A viewer's theme", codes=[coding.code], status=ThemeStatus.FINAL
    )
    finding = create_finding(theme=theme, user=viewer, claim="A viewer's finding")
    add_excerpt(finding=finding, user=viewer, coding_uuid=coding.uuid)
    cite_technique(finding=finding, user=viewer, slug="shap")
    membership.role = Role.VIEWER
    membership.save(update_fields=["role"])

    kwargs: dict[str, list[Any]] = {
        "slug": [study.slug],
        "transcript_uuid": [transcript.uuid],
        "code_uuid": [parent.uuid, coding.code.uuid],
        "coding_uuid": [coding.uuid],
        "participant_uuid": [participant.uuid],
        "protocol_uuid": [protocol.uuid],
        "job_uuid": [export.uuid, imported.uuid],
        "memo_uuid": [memo.uuid for memo in memos],
        "technique_slug": ["shap"],
        # A sandbox demo with a heavy computation (coders start it; a viewer is offered no button).
        "demo_key": ["projection"],
        "theme_uuid": [theme.uuid],
        "finding_uuid": [finding.uuid],
    }
    formats = {"code_uuid": coding.code.uuid, "start": coding.start, "end": coding.end}
    return Demo(study=study, viewer=viewer, kwargs=kwargs, formats=formats)


def _urls(name: str, demo: Demo) -> list[str]:
    """The page for each object it may be opened on (a code with sub-codes, a code with codings)."""
    pattern = _routes()[name]
    choices = [(key, values) for key, values in demo.kwargs.items() if f":{key}>" in pattern]
    urls = [reverse(name, kwargs=dict(combo)) for combo in product(*[[(k, v) for v in vs] for k, vs in choices])]
    return list(dict.fromkeys(urls))


def test_the_refused_sets_come_from_the_matrix() -> None:
    assert {"coding:autocode", "interviews:import", "studies:edit", "coding:memo_new"} <= WRITE_PAGES
    assert {"coding:undo", "coding:code_merge", "studies:members", "coding:codebook"} <= WRITE_POSTS
    assert {"interviews:transcript_detail", "coding:activity", "studies:dashboard"} <= set(_viewer_pages())


@pytest.mark.django_db
@pytest.mark.parametrize("name", _params())
def test_viewer_is_offered_no_action_they_cannot_take(client: Any, name: str) -> None:
    demo = _demo_study()
    client.force_login(demo.viewer)
    checked = 0
    found: list[str] = []
    for base, query in product(_urls(name, demo), VARIANTS.get(name, [""])):
        url = f"{base}?{query.format(**demo.formats)}" if query else base
        response = client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if not response["Content-Type"].startswith("text/html"):
            continue
        finder = OfferFinder(page_path=base)
        finder.feed(response.content.decode())
        finder.close()
        checked += 1
        found += [f"{url} {o.kind} {o.url_name}: {o.element}" for o in finder.offers]
    assert not found, "A viewer is offered actions they cannot take:\n" + "\n".join(found)
    if name not in ("coding:codebook_export", "coding:retrieval_export", "interviews:participant_export"):
        assert checked, f"{name} returned no HTML to check"


@pytest.mark.django_db
def test_the_finder_sees_forms_links_and_htmx(team: Team) -> None:
    slug = team.study.slug
    html = f"""
      <form method="get" action="{reverse("coding:retrieval", args=[slug])}"></form>
      <form method="post" action="{reverse("accounts:logout")}"></form>
      <form method="POST"><button>Create</button></form>
      <a href="{reverse("coding:autocode", args=[slug])}?q=x#top">Auto-code</a>
      <a href="https://example.org{reverse("coding:autocode", args=[slug])}">elsewhere</a>
      <button hx-post="{reverse("coding:undo", args=[slug])}">Undo</button>
      <div hx-get="{reverse("studies:edit", args=[slug])}"></div>
    """
    finder = OfferFinder(page_path=reverse("coding:codebook", args=[slug]))
    finder.feed(html)
    assert [(o.kind, o.url_name) for o in finder.offers] == [
        ("posts to", "coding:codebook"),
        ("links to", "coding:autocode"),
        ("posts to", "coding:undo"),
        ("fetches", "studies:edit"),
    ]


@pytest.mark.django_db
def test_dashboard_offers_to_manage_the_team_only_to_owners(team: Team) -> None:
    url = reverse("studies:dashboard", args=[team.study.slug])
    assert "Manage team" in team.client("owner").get(url).content.decode()
    viewer_page = team.client("viewer").get(url).content.decode()
    assert "Manage team" not in viewer_page and "See the team" in viewer_page
