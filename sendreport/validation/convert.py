"""Cell cleaning and type conversion for the input tables, vectorised.

Each converter takes one column as read (text from CSV, native cells from Excel
or Parquet) and returns a :class:`Converted`: the typed values, the rows whose
cell could not be read (to be excluded), and the rows whose value was
normalised (whitespace or case) or recoded (``values:`` mapping), to be counted.
Code columns are worked on their distinct values only, so a million rows with a
handful of codes cost little more than a factorisation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sendreport.validation.codes import fold
from sendreport.validation.schemas import ColumnSpec
from sendreport.vocabulary import FALSE_WORDS, TRUE_WORDS


@dataclass(frozen=True)
class Converted:
    """A converted column, the masks of rows to exclude and to count, and its recodes.

    ``recodes`` holds ``(local, canonical, rows)``: each ``values:`` key (as
    the params file writes it) that matched, the value it gave, and how many
    rows it recoded.
    """

    values: pd.Series
    invalid: np.ndarray
    normalised: np.ndarray
    recoded: np.ndarray
    recodes: tuple[tuple[str, str, int], ...] = ()


def clean(raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Strip surrounding whitespace from text cells; empty text becomes missing.

    Returns the cleaned column and a mask of the cells whose whitespace changed.
    Non-text cells (Excel dates and numbers, Parquet types) are left as they are.
    """
    if _arrow_text(raw):
        cells = pa.array(raw)
        stripped = pc.utf8_trim_whitespace(cells)
        changed = pc.fill_null(pc.not_equal(stripped, cells), False)
        stripped = pc.if_else(pc.equal(pc.binary_length(stripped), 0), None, stripped)
        out = pd.Series(stripped, index=raw.index, dtype=raw.dtype)
        return out, np.asarray(changed.to_numpy(zero_copy_only=False), dtype=bool)
    if pd.api.types.is_string_dtype(raw.dtype) and raw.dtype != object:
        stripped = raw.str.strip()
        changed = (raw.notna() & (stripped != raw)).to_numpy(dtype=bool)
        return stripped.mask(stripped.str.len() == 0), changed
    if raw.dtype == object:
        values = raw.to_numpy(dtype=object, copy=True)
        changed = np.zeros(len(values), dtype=bool)
        for i, v in enumerate(values):
            if isinstance(v, str):
                s = v.strip()
                changed[i] = s != v
                values[i] = s if s else None
        return pd.Series(values, index=raw.index, dtype=object), changed
    return raw, np.zeros(len(raw), dtype=bool)


def _arrow_text(column: pd.Series) -> bool:
    dtype = column.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def is_blank(column: pd.Series) -> np.ndarray:
    """Return True where a cleaned cell is empty."""
    return column.isna().to_numpy(dtype=bool)


def to_text(column: pd.Series) -> pd.Series:
    """Return a cleaned column as ``str`` dtype; whole-number floats lose ``.0``."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column.astype("str")
    if pd.api.types.is_bool_dtype(column.dtype):
        return column.astype("str")
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.astype("Int64").astype("str")
    if pd.api.types.is_float_dtype(column.dtype):
        whole = column.dropna()
        if (whole == np.floor(whole)).all():
            return column.astype("Int64").astype("str")
        return column.astype("str")
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.dt.strftime("%Y-%m-%d").astype("str")
    return pd.Series([_cell_text(v) for v in column], index=column.index, dtype="str")


def _cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def convert(column: pd.Series, spec: ColumnSpec, *, recode: Mapping | None = None,
            date_format: str | None = None) -> Converted:
    """Convert a cleaned column to its canonical type (see ``ColumnSpec.kind``).

    Parameters
    ----------
    column
        A column after :func:`clean`.
    spec
        Its canonical definition.
    recode
        The ``values:`` mapping of this column, local value to canonical value;
        keys match whatever their surrounding whitespace, case and dashes
        (:func:`~sendreport.validation.codes.fold`).
    date_format
        A ``strptime`` format for text dates; ISO 8601 when ``None``.

    Returns
    -------
    Converted
    """
    if spec.kind == "date":
        values, invalid = to_date(column, date_format)
        return Converted(values, invalid, _none(column), _none(column))
    if spec.kind in ("int", "number"):
        values, invalid = to_number(column, whole=spec.kind == "int")
        return Converted(values, invalid, _none(column), _none(column))
    text = to_text(column)
    if spec.kind == "id" or (spec.kind == "text" and not recode):
        return Converted(text, _none(column), _none(column), _none(column))
    return _to_code(text, spec, recode or {})


def _none(column: pd.Series) -> np.ndarray:
    return np.zeros(len(column), dtype=bool)


def _to_code(text: pd.Series, spec: ColumnSpec, recode: Mapping) -> Converted:
    keys = {fold(k): v for k, v in recode.items()}
    written = {fold(k): str(k) for k in recode}
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    known = {fold(c): c for c in (spec.codes or ())}
    finals: list[object] = []
    status = np.zeros(len(uniques) + 1, dtype=np.int8)  # 0 same, 1 normalised, 2 recoded
    for i, raw in enumerate(uniques):
        key = raw.casefold()
        if fold(raw) in keys:
            value, status[i] = keys[fold(raw)], 2
        elif spec.kind == "text":
            value = raw
        elif spec.case == "upper":
            value = raw.upper()
        elif spec.case == "open":
            value = known.get(fold(raw), raw)
        else:
            value = key
        if spec.kind == "bool":
            value = _boolean(value)
        elif value is not None:
            value = str(value)
        if status[i] == 0 and value != raw:
            status[i] = 1
        finals.append(value)
    codes = np.where(codes < 0, len(uniques), codes)
    state = status[codes]
    rows = np.bincount(codes, minlength=len(uniques) + 1)
    tally: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(uniques):
        if status[i] == 2:
            pair = (written[fold(raw)], _written(finals[i]))
            tally[pair] = tally.get(pair, 0) + int(rows[i])
    recodes = tuple((local, canonical, n) for (local, canonical), n in tally.items())
    if spec.kind == "bool":
        truth = np.array([v is True for v in finals] + [spec.default], dtype=bool)
        bad = np.array([v is _INVALID for v in finals] + [False], dtype=bool)
        values = pd.Series(truth[codes], index=text.index, dtype="bool")
        return Converted(values, bad[codes], _none(text), state == 2, recodes)
    if not status.any():
        return Converted(text, _none(text), _none(text), _none(text))
    picked = pa.array(finals + [None], type=pa.string()).take(pa.array(codes))
    values = pd.Series(picked, index=text.index, dtype=_STR)
    return Converted(values, _none(text), state == 1, state == 2, recodes)


def _written(value: object) -> str:
    if value is _INVALID:
        return "(not a boolean)"
    return str(value).lower() if isinstance(value, bool) else str(value)


_STR = pd.StringDtype("pyarrow", na_value=np.nan)
_INVALID = object()


def _boolean(value: object) -> object:
    if isinstance(value, bool):
        return value
    word = str(value).strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return _INVALID


def to_date(column: pd.Series, date_format: str | None) -> tuple[pd.Series, np.ndarray]:
    """Return dates (``datetime64[us]``, midnight) and the mask of unreadable cells.

    A date-time keeps its date: ISO 8601 text and Excel cells as they are, and
    text in a ``date_format`` without a time (``%d/%m/%Y``) with the time after
    the date dropped, so one format serves a table's date and date-time columns.

    Examples
    --------
    >>> dates, bad = to_date(pd.Series(["31/01/2024 14:05", "01/02/2024 9:30:00 PM", "2024"]),
    ...                      "%d/%m/%Y")
    >>> dates.dt.strftime("%Y-%m-%d").fillna("").tolist(), bad.tolist()
    (['2024-01-31', '2024-02-01', ''], [False, False, True])
    """
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        values = column.dt.tz_localize(None) if column.dt.tz is not None else column
        return values.astype("datetime64[us]").dt.normalize(), _none(column)
    if column.dtype == object:
        native = np.array([isinstance(v, (dt.date, pd.Timestamp)) for v in column], dtype=bool)
        if native.any():
            parsed, invalid = to_date(column.mask(native).astype("str"), date_format)
            dates = pd.to_datetime(column.where(native), errors="coerce").astype("datetime64[us]")
            return parsed.mask(native, dates.dt.normalize()), invalid & ~native
        column = column.astype("str")
    if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
        return (pd.Series(pd.NaT, index=column.index, dtype="datetime64[us]"),
                column.notna().to_numpy(dtype=bool))
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    text = pd.Index(uniques, dtype=object)
    if date_format is not None and not _TIME_DIRECTIVE.search(date_format):
        # a date-time column read as its date: the time after the date is dropped
        text = text.str.replace(_TRAILING_TIME, "", regex=True)
    try:
        parsed = pd.to_datetime(text, format=date_format or "ISO8601", errors="coerce")
        if parsed.tz is not None:  # one offset throughout: keep the local date
            parsed = parsed.tz_localize(None)
    except ValueError:  # mixed offsets: each date as written, offset dropped
        parsed = pd.DatetimeIndex([_one_date(v, date_format) for v in text])
    parsed = parsed.astype("datetime64[us]").normalize()
    lookup = np.append(parsed.to_numpy(), np.datetime64("NaT", "us"))
    bad = np.append(parsed.isna(), False)
    codes = np.where(codes < 0, len(uniques), codes)
    return pd.Series(lookup[codes], index=column.index), bad[codes]


_TIME_DIRECTIVE = re.compile("%[HIMSfp]")
_TRAILING_TIME = re.compile(
    r"(?<=\d)(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?$")


def _one_date(text: str, date_format: str | None) -> pd.Timestamp:
    try:
        value = pd.to_datetime(text, format=date_format or "ISO8601")
    except (ValueError, TypeError):
        return pd.NaT
    return value.tz_localize(None) if value.tzinfo is not None else value


def to_number(column: pd.Series, *, whole: bool) -> tuple[pd.Series, np.ndarray]:
    """Return numbers (``Int64`` when ``whole``, else ``float64``) and unreadable cells."""
    if pd.api.types.is_bool_dtype(column.dtype):
        column = column.astype("str")
    if column.dtype == object:
        column = column.astype("str")
    if not pd.api.types.is_numeric_dtype(column.dtype):
        text = column.str.replace(",", "", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
    else:
        numbers = column
    numbers = numbers.astype("float64")
    invalid = column.notna().to_numpy(dtype=bool) & numbers.isna().to_numpy(dtype=bool)
    if not whole:
        return numbers, invalid
    fractional = (numbers.notna() & (numbers != np.floor(numbers))).to_numpy(dtype=bool)
    invalid = invalid | fractional
    return numbers.mask(fractional).astype("Int64"), invalid


@dataclass(frozen=True)
class Split:
    """The fields one combined local column gives (``split:``), and what it did.

    ``fields`` maps each canonical column the split fills to its cells as text
    (missing where the local value gives that field nothing); ``unlisted``
    masks the rows whose non-empty value the mapping does not list;
    ``recodes`` holds ``(local, "field: value, ...", rows)`` per listed key
    that matched, and ``produced`` ``(field, value, rows)``.
    """

    fields: dict[str, pd.Series]
    unlisted: np.ndarray
    recodes: tuple[tuple[str, str, int], ...]
    produced: tuple[tuple[str, str, int], ...]


def split_column(column: pd.Series, mapping: Mapping) -> Split:
    """Fill several canonical fields from one cleaned local column (``split:``).

    Parameters
    ----------
    column
        The local column after :func:`clean`.
    mapping
        Local value to ``{field: value}``; keys match whatever their
        surrounding whitespace, case and dashes
        (:func:`~sendreport.validation.codes.fold`). A field a value does not
        name is left empty for its rows.

    Returns
    -------
    Split

    Examples
    --------
    >>> col = pd.Series(["Assess - Issue plan", "Refused", "assess \u2013 issue plan", "Lost"])
    >>> out = split_column(col, {
    ...     "Assess - Issue plan": {"request_outcome": "assess",
    ...                             "assessment_outcome": "issue_plan"},
    ...     "Refused": {"request_outcome": "not_assess"}})
    >>> out.fields["request_outcome"].tolist(), out.fields["assessment_outcome"].tolist()
    (['assess', 'not_assess', 'assess', None], ['issue_plan', None, 'issue_plan', None])
    >>> out.unlisted.tolist(), out.produced[0]
    ([False, False, False, True], ('request_outcome', 'assess', 2))
    """
    keys = {fold(k): targets for k, targets in mapping.items()}
    written = {fold(k): str(k) for k in mapping}
    fields = list(dict.fromkeys(f for targets in mapping.values() for f in targets))
    text = to_text(column)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    rows = np.bincount(np.where(codes < 0, len(uniques), codes), minlength=len(uniques) + 1)
    found = [keys.get(fold(raw)) for raw in uniques]
    unlisted = np.array([t is None for t in found] + [False], dtype=bool)
    codes = np.where(codes < 0, len(uniques), codes)
    out: dict[str, pd.Series] = {}
    produced: list[tuple[str, str, int]] = []
    for name in fields:
        cells = [None if t is None or t.get(name) is None else _written(t[name]) for t in found]
        picked = np.array([*cells, None], dtype=object)[codes]
        out[name] = pd.Series(picked, index=column.index, dtype=object)
        tally: dict[str, int] = {}
        for value, n in zip(cells, rows, strict=False):
            if value is not None:
                tally[value] = tally.get(value, 0) + int(n)
        produced += sorted(((name, v, n) for v, n in tally.items()), key=lambda t: (-t[2], t[1]))
    recodes: dict[str, int] = {}
    for raw, targets, n in zip(uniques, found, rows, strict=False):
        if targets is not None:
            recodes[written[fold(raw)]] = recodes.get(written[fold(raw)], 0) + int(n)
    described = tuple(
        (local, ", ".join(f"{f}: {_written(v)}" for f, v in keys[fold(local)].items()), n)
        for local, n in recodes.items())
    return Split(out, unlisted[codes], described, tuple(produced))
