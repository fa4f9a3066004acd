"""Reading and writing participant tables (CSV/XLSX) with pandas, safely."""

from __future__ import annotations

import io
import re
from typing import Any

import pandas as pd

from .importers import ImportFailure
from .importers.encoding import decode
from .importers.safety import check_size, open_zip

MAX_ROWS = 20_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def read_table(filename: str, data: bytes, *, max_bytes: int) -> pd.DataFrame:
    """A table of strings/numbers/dates with its header row; ImportFailure names the file and problem."""
    if not data.strip():
        raise ImportFailure(filename, "is empty")
    check_size(data, filename, max_bytes)
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            if not data.startswith(b"PK"):
                raise ImportFailure(filename, "is not a valid Excel workbook (the file is corrupt or truncated)")
            open_zip(data, filename, "Excel workbook")
            frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
        elif name.endswith((".csv", ".tsv", ".txt")):
            text, _ = decode(data, filename)
            frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str, keep_default_na=False)
        else:
            raise ImportFailure(filename, "is not a CSV or XLSX file")
    except ImportFailure:
        raise
    except (ValueError, pd.errors.ParserError, KeyError, OSError, Exception) as exc:
        raise ImportFailure(filename, f"could not be read as a table ({exc.__class__.__name__}: {exc})"[:300]) from exc
    frame = frame.dropna(how="all")
    frame.columns = [str(c).strip() for c in frame.columns]
    # pandas renames a repeated header "id" to "id.1"; a repeated column is an error here.
    renamed = [c for c in frame.columns if re.fullmatch(r"(.+)\.\d+", c) and c.rsplit(".", 1)[0] in frame.columns]
    if renamed or frame.columns.duplicated().any():
        raise ImportFailure(filename, "has two columns with the same name")
    if frame.empty:
        raise ImportFailure(filename, "has a header but no rows")
    if len(frame) > MAX_ROWS:
        raise ImportFailure(filename, f"has {len(frame)} rows; at most {MAX_ROWS} are accepted")
    return frame


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{str(key): value for key, value in record.items()} for record in records]


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Spreadsheet apps execute cells starting with = + - @: prefix them with an apostrophe."""

    def clean(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value

    return frame.map(clean)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "Participants") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralise_formulas(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()
