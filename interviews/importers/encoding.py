"""Decode text files whatever their encoding: BOMs, UTF-16 without BOM, UTF-8, cp1252/latin-1."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .base import ImportFailure

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Western transcripts saved by Word/Notepad on Windows are the usual non-UTF-8 case.
_FALLBACKS = ("cp1252", "latin-1")
_NON_LATIN = {
    "cp1251", "koi8_r", "koi8_u", "iso8859_5", "mac_cyrillic", "cp866", "cp1253", "iso8859_7", "cp1255",
    "iso8859_8", "cp1256", "iso8859_6", "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk",
    "gb18030", "big5", "big5hkscs", "euc_kr", "cp949", "cp874", "tis_620", "iso8859_11",
}  # fmt: skip


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """Return (text, encoding name). Raises ImportFailure for binary content."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return _check_text(data.decode(name), filename), name
            except UnicodeDecodeError as exc:
                raise ImportFailure(filename, f"starts with a {name} byte-order mark but is not valid {name}") from exc
    guess = _utf16_without_bom(data)
    if guess:
        try:
            return _check_text(data.decode(guess), filename), guess
        except UnicodeDecodeError:
            pass
    try:
        return _check_text(data.decode("utf-8"), filename), "utf-8"
    except UnicodeDecodeError:
        pass
    if data.count(0) > len(data) // 100:
        raise ImportFailure(filename, "does not look like text (it contains binary data)")
    # Short Western text fools statistical detectors into Baltic or DOS code pages; cp1252
    # is right unless the detector sees a script (Cyrillic, Greek, CJK...) cp1252 cannot write.
    best = from_bytes(data[:200_000]).best()
    guess = best.encoding if best is not None else None
    candidates = list(_FALLBACKS)
    if guess in _NON_LATIN:
        candidates.insert(0, guess)
    for name in candidates:
        try:
            return _check_text(data.decode(name), filename), name.replace("_", "-")
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportFailure(filename, "could not be decoded as text in any known encoding")


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def _check_text(text: str, filename: str) -> str:
    """Refuse binary garbage that happens to decode (e.g. latin-1 accepts every byte)."""
    sample = text[:100_000]
    if not sample:
        return text
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls / len(sample) > 0.01:
        raise ImportFailure(filename, "does not look like text (it contains binary data)")
    return text
