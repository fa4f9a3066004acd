"""Natural order for ids and titles: P2 before P10, as researchers number participants."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_PARTS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold()) for part in _PARTS.split(text) if part)


def naturally[T](items: Iterable[T], key: Callable[[T], str]) -> list[T]:
    return sorted(items, key=lambda item: natural_key(key(item)))
