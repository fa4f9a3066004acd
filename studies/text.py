"""Characters PostgreSQL cannot store, removed the same way on every path that takes text in.

PostgreSQL's text and jsonb types refuse NUL (U+0000: "DataError: A string literal cannot contain
NUL (0x00) characters"), and a lone UTF-16 surrogate (U+D800–U+DFFF) has no UTF-8 form, so the
driver cannot even send it. SQLite stores both, so tests on SQLite never see the failure. Both
arrive through files — a PDF's text layer, a text file with stray zero bytes, a spreadsheet cell —
and would fail an import, a correction or a table import at the last step with a bare DataError.

Forms refuse NUL already (Django's ProhibitNullCharactersValidator). Everything that takes text
from a file or a raw request calls `storable` and shows `Removed.warning()` to the user; removing a
character that cannot be stored loses nothing that could have been kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass
class Removed:
    """What `storable` took out, counted over any number of calls."""

    nul: int = 0
    surrogates: int = 0

    @property
    def total(self) -> int:
        return self.nul + self.surrogates

    def __bool__(self) -> bool:
        return self.total > 0

    def warning(self, where: str = "") -> str:
        """One sentence for the user, e.g. "Removed 12 characters that cannot be stored (NUL)."."""
        kinds = []
        if self.nul:
            kinds.append("NUL" if not self.surrogates else f"{self.nul:,} NUL")
        if self.surrogates:
            halves = "unpaired surrogate" + ("s" if self.surrogates != 1 else "")
            kinds.append(halves if not self.nul else f"{self.surrogates:,} {halves}")
        plural = "s" if self.total != 1 else ""
        place = f" from {where}" if where else ""
        return f"Removed {self.total:,} character{plural} that cannot be stored ({', '.join(kinds)}){place}."


def storable(text: str, removed: Removed | None = None) -> str:
    """`text` without NUL and lone surrogates; what was removed is added to `removed`. Linear time."""
    nul = text.count("\x00")
    if nul:
        text = text.replace("\x00", "")
    surrogates = 0
    if not text.isascii():
        text, surrogates = _SURROGATES.subn("", text)
    if removed is not None:
        removed.nul += nul
        removed.surrogates += surrogates
    return text


def storable_value(value: object, removed: Removed | None = None) -> object:
    """`storable` for a string; any other value unchanged (table cells: numbers, dates, None)."""
    return storable(value, removed) if isinstance(value, str) else value


REFUSED = (
    "This request contains characters that cannot be stored (NUL, a zero byte). Remove them — they often "
    "come with text pasted from a PDF or a binary file — and try again. Nothing was changed."
)


class RefuseUnstorableMiddleware:
    """A request whose form fields, query or JSON body hold NUL is answered 400 with a message.

    Typed values are refused, as Django's forms refuse them (ProhibitNullCharactersValidator), but
    several views read `request.POST` without a form; answering here covers every view at once.
    Uploaded files are not form fields: their contents go through `storable` with a warning. Lone
    surrogates cannot arrive this way (request data is decoded from UTF-8, replacing errors).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request):
            return HttpResponse(REFUSED, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _holds_nul(request: HttpRequest) -> bool:
    fields = [request.GET]
    if request.method == "POST":
        fields.append(request.POST)
    for data in fields:
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in value for value in values if isinstance(value, str)):
                return True
    return request.content_type == "application/json" and b"\\u0000" in request.body
