"""Characters PostgreSQL cannot store, removed the same way on every path that takes text in.

PostgreSQL's text and jsonb types refuse NUL (U+0000: "DataError: A string literal cannot contain
NUL (0x00) characters"), and a lone UTF-16 surrogate (U+D800–U+DFFF) has no UTF-8 form, so the
driver cannot even send it. SQLite stores both, so tests on SQLite never see the failure. Both
arrive through files — a PDF's text layer, a text file with stray zero bytes, a spreadsheet cell —
and would fail an import, a correction or a table import at the last step with a bare DataError.

Everything that takes text from a file calls `storable` and shows `Removed.warning()` to the user;
typed input is cleaned the same way by `StripUnstorableMiddleware` before any view sees it. Removing
a character that cannot be stored loses nothing that could have been kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict

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


TYPED_WARNING = "what you typed"


class StripUnstorableMiddleware:
    """NUL in a request's form fields, query or JSON body is removed, with a warning, as in files.

    One rule on every path: characters that cannot be stored are dropped and the person is told.
    Several views read `request.POST` without a form (whose validator would refuse NUL with a less
    helpful message), so the request is cleaned here, before any view sees it. Uploaded files are
    not form fields: their contents go through `storable` where they are read. Form data is decoded
    from UTF-8 replacing errors, so lone surrogates arrive only as JSON escapes (`\\ud800`), which
    are removed too. Placed after MessageMiddleware, which the warning needs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        removed = Removed()
        request.GET = _cleaned(request.GET, removed)  # type: ignore[assignment]
        if request.method == "POST":
            request.POST = _cleaned(request.POST, removed)  # type: ignore[misc,assignment]
            if request.content_type == "application/json" and _JSON_SUSPECT.search(request.body):
                _clean_json_body(request, removed)
        if removed:
            messages.warning(request, removed.warning(TYPED_WARNING))
        return self.get_response(request)


# A JSON escape of NUL or of a UTF-16 surrogate (lone ones decode to characters with no UTF-8 form).
_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _clean_json_body(request: HttpRequest, removed: Removed) -> None:
    """Decode the JSON body, drop what cannot be stored from its strings, and put it back as what
    `request.body` returns. A body that is not JSON is left to the view to refuse."""
    try:
        data = json.loads(request.body)
    except ValueError:
        return
    before = removed.total
    data = _clean_value(data, removed)
    if removed.total != before:
        request._body = json.dumps(data, ensure_ascii=False).encode()  # type: ignore[attr-defined]


def _clean_value(value: Any, removed: Removed) -> Any:
    if isinstance(value, str):
        return storable(value, removed)
    if isinstance(value, list):
        return [_clean_value(item, removed) for item in value]
    if isinstance(value, dict):
        return {storable(key, removed): _clean_value(item, removed) for key, item in value.items()}
    return value


def _cleaned(data: QueryDict, removed: Removed) -> QueryDict:
    """`data` itself when it holds no NUL (the common case, no copy), else a cleaned copy."""
    if not any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists()):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(storable(key, removed), [storable(v, removed) if isinstance(v, str) else v for v in values])
    cleaned._mutable = False  # type: ignore[attr-defined]
    return cleaned
