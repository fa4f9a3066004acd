from __future__ import annotations

from typing import Any


def kwargs(team: Any) -> dict[str, Any]:
    return {}


EXPECTATIONS: dict[str, dict[str, dict[str, int]]] = {}
