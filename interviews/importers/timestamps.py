"""Timestamps as transcripts write them: 1:02:03, 12:31, 00:12:31.500, 00:00:01,000."""

from __future__ import annotations

import math
import re

TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIME_RE = re.compile(rf"^{TIME}$")


def to_ms(value: str) -> int | None:
    value = value.strip()
    if not _TIME_RE.match(value):
        try:
            seconds = float(value.replace(",", "."))
        except ValueError:
            return None
        return round(seconds * 1000) if math.isfinite(seconds) and seconds >= 0 else None
    main, _, fraction = value.replace(",", ".").partition(".")
    parts = [int(p) for p in main.split(":")]
    if len(parts) == 2:
        hours, minutes, seconds = 0, parts[0], parts[1]
    else:
        hours, minutes, seconds = parts
    if minutes > 59 or seconds > 59:
        return None
    millis = int((fraction + "000")[:3]) if fraction else 0
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def format_ms(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
