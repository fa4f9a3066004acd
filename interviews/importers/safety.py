"""Guards for hostile files: size limits, zip bombs, XML entity attacks."""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .base import ImportFailure

MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL_BYTES = 300 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Small members compress extremely well without being dangerous (empty XML parts).
RATIO_CHECK_MIN_BYTES = 1024 * 1024


def human_size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} bytes"


def check_size(data: bytes, filename: str, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise ImportFailure(filename, f"is {human_size(len(data))}; the limit is {human_size(max_bytes)}")


def open_zip(data: bytes, filename: str, kind: str) -> zipfile.ZipFile:
    """Open a zip-based document after checking it cannot expand into a bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise ImportFailure(filename, f"is not a valid {kind} (the file is corrupt or truncated)") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportFailure(filename, f"has {len(members)} parts; a {kind} with over {MAX_ZIP_MEMBERS} is refused")
    total = sum(m.file_size for m in members)
    if total > MAX_ZIP_TOTAL_BYTES:
        raise ImportFailure(filename, f"would expand to {human_size(total)}; refused as a possible zip bomb")
    for member in members:
        if member.file_size >= RATIO_CHECK_MIN_BYTES and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise ImportFailure(
                filename,
                f"part {member.filename} is compressed more than {MAX_COMPRESSION_RATIO}:1; refused as a possible zip bomb",
            )
    return archive


def read_member(archive: zipfile.ZipFile, name: str, filename: str, kind: str) -> bytes:
    """Read one member, never more than its declared size (headers can lie)."""
    try:
        info = archive.getinfo(name)
    except KeyError as exc:
        raise ImportFailure(filename, f"is not a valid {kind} (it has no {name})") from exc
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ImportFailure(filename, f"is not a valid {kind} (the file is corrupt or truncated)") from exc
    if len(data) > info.file_size:
        raise ImportFailure(filename, f"part {name} is larger than it declares; refused as a possible zip bomb")
    return data


def parse_xml(data: bytes, filename: str, kind: str) -> Element:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise ImportFailure(
            filename, f"contains XML with a DTD or entity declarations, refused for safety ({exc.__class__.__name__})"
        ) from exc
    except ParseError as exc:
        raise ImportFailure(filename, f"is not a valid {kind} (its XML is malformed: {exc})") from exc
