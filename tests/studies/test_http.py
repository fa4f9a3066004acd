from __future__ import annotations

import pytest
from django.test import RequestFactory

from studies.http import safe_next


@pytest.mark.parametrize(
    ("target", "secure", "expected"),
    [
        ("/studies/interp/codebook/", False, "/studies/interp/codebook/"),
        ("/studies/interp/?q=1#code-2", True, "/studies/interp/?q=1#code-2"),
        ("https://testserver/studies/", True, "https://testserver/studies/"),
        ("http://testserver/studies/", True, "/fallback/"),  # no downgrade from HTTPS
        ("https://evil.example/", False, "/fallback/"),
        ("//evil.example/", False, "/fallback/"),
        ("/\\evil.example", False, "/fallback/"),
        ("javascript:alert(1)", False, "/fallback/"),
        ("", False, "/fallback/"),
    ],
)
def test_safe_next(target: str, secure: bool, expected: str) -> None:
    request = RequestFactory().post("/", {"next": target}, secure=secure)
    assert safe_next(request, "/fallback/") == expected


def test_safe_next_reads_the_query_string_too() -> None:
    request = RequestFactory().get("/", {"next": "/studies/"})
    assert safe_next(request, "/fallback/") == "/studies/"
