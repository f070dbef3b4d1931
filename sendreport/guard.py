"""The privacy guard: refuse outputs that hold personal data (SPEC 7).

The runner executes the notebook, renders the HTML and the PDF, and before it
writes anything to the output folder calls ``check_outputs``: the executed
notebook, the HTML, every PDF whole (``check_pdf``: page text, metadata, and no
embedded file at all), the CSVs and the manifest are scanned for

- every value of an identifier column of the input tables (``person_id``,
  ``request_id``, ``review_id``, ``referral_id`` and any other column ending in
  ``_id``, except ``NON_PERSONAL_ID_COLUMNS`` such as ``measure_id``), and
  identifiers given by kind (``extra``: a SEN2 return's UPNs, ULNs and
  postcodes, an ``exclude`` file's ids);
- people's names, when a table has a name column (``NAME_COLUMNS``, also
  with ``_id`` after it, as a SEN2 return's ``forename_id``) or names are
  given (``names``): a name of two or more words as written, forename and
  surname, and surname first, whatever their length (``Jo Li``). Joined by
  ``_``, ``.`` or ``-`` alone (``ali_khan``, ``KHAN.Ali``) a name is found in
  any case; written apart by spaces or a comma, or run together, each word
  must be capitalised in the text (or in capitals), so that ``to mark young
  people`` is not ``Mark Young`` nor ``sunday`` ``Sun Day``;
- every date of birth, in the forms people write and reports print
  (``2015-03-01``, ``2015/03/01``, ``20150301``, ``01/03/2015``, ``1/3/2015``,
  ``01/03/15``, ``01-03-2015``, ``1.3.2015``, ``1 March 2015``, ``1 Mar 2015``,
  ``01-Mar-2015``, ``01-Mar-15``, ``1st of March 2015``, ``March 1, 2015``,
  ``01032015``); day-first only, as the packs are British, and ISO text year
  first, in the input tables as in the outputs;
- NHS numbers (10 digits with a valid modulus 11 check digit: run together,
  also into letters as in ``NHS9434765919``, or spaced 3-3-4 or 2-2-2-2-2 with
  one kind of separator) and UPNs (a check letter, 11 digits and a digit or
  letter, with a valid DfE check letter; run together or in groups of three
  or more);
- input records written out, found by what they hold whatever the markup or
  the output's metadata: three values of one input row (its dates and codes)
  in one table row, CSV line or short stretch of text (``scan_records``,
  ``Records``).

Before matching, text is made plain: HTML entities decoded, Unicode
normalised (NFKC: no-break and other spaces become spaces, full-width digits
ASCII digits), dashes of every kind read as hyphens and invisible characters
(zero-width spaces, soft hyphens) dropped. Then any run of up to three
``SEPARATORS`` (spaces, tabs, dots, commas, hyphens, underscores, apostrophes),
or none, may stand where two runs of an identifier's letters and digits meet:
``REQ-2023-000117`` is found as ``REQ 2023 000117``, ``REQ–2023–000117`` and
``REQ2023000117``.

The free-text codes of the input tables (``FREE_TEXT_CODES``, such as
``referrals.service``) reach the outputs as written, so ``scan_codes`` checks
each against every identifier, however short, and scans it as text.

A hit raises ``DisclosureError`` (exit code 3) naming the kind of value and
where it was (``notebook cell 12 output``, ``injected parameters``,
``report.html``, ``report.pdf page 3``, ``report.pdf``, ``manifest.json``),
never the value.

How false positives are kept out
--------------------------------
- Identifiers match whole runs only. Text and identifiers are both cut into
  runs of letters and runs of digits (``P0001`` is ``P`` + ``0001``); an
  identifier matches where its runs appear in order, case-insensitively, with
  nothing but separators between them and separators only where its own runs
  meet (``P0001`` is not found as ``P00 01``), starting and ending where a run
  of the text does (``P00012`` and ``AP0001`` do not match ``P0001``;
  ``REQ-P0001``, ``(P0001)`` and ``P0001A`` do). Matching is a dictionary
  look-up per run, so tens of thousands of identifiers cost no more than a few.
- Identifier values too short or too generic to scan safely are not scanned
  but counted in ``Identifiers.unscanned``; those of the analyst's own id
  columns are reported in a warning saying what to do (names are not: the
  pair is looked for): numbers
  of fewer than ``MIN_DIGITS`` digits (they would match counts and years),
  words of fewer than ``MIN_LETTERS`` letters, mixed codes of fewer than
  ``MIN_CHARACTERS`` letters and digits, placeholders such as ``unknown``, and
  and names of one word: a forename or surname alone is too often an ordinary
  word (``Hope``, ``May``, ``Mark``, ``Young``, ``Ali`` in ``Ali Baba``) to
  refuse a pack for; the pair is what names a child.
- Five pairs of digits count as an NHS number only when they stand alone, not
  inside a longer row of figures; long hexadecimal runs (sha256 digests in the
  provenance and manifest) are not read for NHS numbers, UPNs or dates.
- A report prints dates of its own: the period bounds, the reference date, the
  plan's due dates, evidence and intervention dates. With thousands of
  children, most calendar dates of the last twenty years are somebody's date
  of birth, so those dates must be passed as ``allowed``; a date of birth that
  equals an allowed date is not looked for (and the warning says how many
  were skipped). ``allowed`` may also hold other strings the report prints on
  purpose (the plan's owners, if a child shares a name with one); an
  identifier, name, NHS number or UPN equal to one is not reported.
- Base64 data (embedded images) is skipped; image alt text is scanned.

Charts and images
-----------------
An image's pixels cannot be read, so the guard reads the figure instead:
every chart the pack prints is drawn by ``sendreport.charts.render.figure_png``,
which records what the drawn figure shows (its text artists: titles, tick
labels, legend, annotations, table cells; and its bar, point and number-label
values), and the printers carry that record in the output's metadata
(``figures``). ``check_outputs`` then

- scans each record's texts like any other text (``notebook cell N output``);
- refuses, in a ``shared`` or ``families`` run, a record of a chart whose
  values include a count of 1 to ``threshold - 1``
  (``sendreport.disclosure.rule.is_small``) unless the figure said its values
  are not counts of people (``check_charts``);
- refuses every ``data:`` URI of ``report.html`` it cannot read: an image
  (PNG, JPEG, ...) is allowed only when its digest is that of a recorded chart,
  whatever the output's metadata says otherwise; an SVG is decoded and scanned
  as text (and its own ``data:`` URIs checked the same way); anything else
  (a data link, a URL-encoded image) is refused (``check_images``). So a figure
  saved to a buffer and shown with ``display(Image(...))``, or as a markdown
  image, or in HTML with forged ``{"sendreport": ...}`` metadata, cannot reach
  the pack. A record can only be forged on purpose, by writing the digest of
  another image into an output's metadata.

``scrub_notebook`` then keeps only the report's own display outputs in the
``report.ipynb`` written to the output folder.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import html as html_lib
import re
import subprocess
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import nbformat
import numpy as np
import pandas as pd

from sendreport.errors import DisclosureError, OutputError, SendReportWarning

IDENTIFIER_COLUMNS = (
    "person_id", "request_id", "review_id", "referral_id",
    "upn", "former_upn", "uln", "nhs_number", "nhs_no", "postcode", "unique_learner_number",
)
"""Identifier columns of the input tables (any case); any other column ending ``_id`` is one too."""

NON_PERSONAL_ID_COLUMNS = frozenset({"measure_id", "kpi_id", "priority_area_id", "action_id"})
"""Columns ending ``_id`` that name things the report prints, not people or cases."""

DATE_OF_BIRTH_COLUMNS = ("date_of_birth", "dob", "birth_date")
"""Columns holding dates of birth."""

MIN_DIGITS = 6
"""Shortest all-digit identifier that is scanned (shorter ones look like counts)."""

MIN_LETTERS = 8
"""Shortest all-letter identifier that is scanned (shorter ones look like words)."""

MIN_CHARACTERS = 5
"""Shortest identifier of letters and digits that is scanned (``A4`` and ``Q1`` are not)."""

PLACEHOLDERS = frozenset({"unknown", "notknown", "notrecorded", "missing", "none", "null", "nan"})
"""Identifier values that are placeholders, not identifiers (compared without separators)."""

class FindingKind(StrEnum):
    """What the guard found: the words a finding gives, decided here once.

    Four kinds name a detail (:meth:`describe`): the identifier's column, the
    input table a record is from, the largest small count, the error that made
    a PDF unreadable. A finding never holds the value found.

    Examples
    --------
    >>> FindingKind.IDENTIFIER.describe("person_id"), FindingKind.NHS_NUMBER.describe()
    ('identifier (person_id)', 'NHS number')
    >>> FindingKind.SMALL_COUNT_IN_CHART.describe(4)
    'count of 1 to 4 in a chart'
    >>> FindingKind.SMALL_COUNT_IN_CHART.holds("count of 1 to 9 in a chart")
    True
    """

    IDENTIFIER = "identifier"
    DATE_OF_BIRTH = "date of birth"
    NHS_NUMBER = "NHS number"
    UPN = "UPN"
    NAME = "name"
    RECORD = "record of the input"
    SMALL_COUNT_IN_CHART = "count of 1 to"
    UNREAD_IMAGE = "image or data the guard cannot read"
    EMBEDDED_FILE = "embedded file"
    UNREADABLE_PDF = "unreadable PDF"

    def describe(self, detail: object = "") -> str:
        """The finding's words, with its detail where the kind names one."""
        if self is FindingKind.SMALL_COUNT_IN_CHART:
            return f"{self.value} {detail} in a chart"
        if self in (FindingKind.IDENTIFIER, FindingKind.RECORD, FindingKind.UNREADABLE_PDF):
            return f"{self.value} ({detail})"
        return self.value

    def holds(self, kind: str) -> bool:
        """Whether a finding's words ``kind`` are of this kind."""
        head = f"{self.value} " if self is FindingKind.SMALL_COUNT_IN_CHART else f"{self.value} ("
        return kind == self.value or str(kind).startswith(head)


DATE_OF_BIRTH = FindingKind.DATE_OF_BIRTH
NHS_NUMBER = FindingKind.NHS_NUMBER
UPN = FindingKind.UPN

_RUN = re.compile(r"[^\W\d_]+|\d+")
_PLAIN_ID = re.compile(r"([A-Za-z]+|[0-9]+)(?:[^A-Za-z0-9]*([A-Za-z]+|[0-9]+))?")
"""A whole ASCII value of one or two runs of letters or digits (``12345``, ``P000123``,
``REQ-000001``)."""
_SPACE = re.compile(r"\s+")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]*")
_ANY_DATA_URI = re.compile(
    r"(?<![\w.-])data:(?P<mime>[a-z]+/[\w.+-]+)?(?P<params>(?:;[\w.+-]+(?:=[^;,\s\"'<>]*)?)*),"
    r"(?P<payload>[^\s\"'<>)]*)",
    re.IGNORECASE,
)
_RASTER = ("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp",
           "image/tiff", "image/avif", "image/x-icon", "image/vnd.microsoft.icon")
_HEX_DIGEST = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad"
_TO_ASCII = {ord(c): "-" for c in _DASHES} | {ord(c): "'" for c in "\u2018\u2019\u02bc"}
SEPARATORS = " \t\n\r\f\v.,-_'"
"""Characters that may separate the parts of an identifier, NHS number or name (after
normalising Unicode spaces to spaces, dashes to ``-`` and curly apostrophes to ``'``)."""
_MAX_GAP = 3
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {
    name: number
    for number, full in enumerate(_MONTH_NAMES.split(), start=1)
    for name in (full, full[:3], "sept" if number == 9 else full)
}
_ORD = r"(?:st|nd|rd|th)?"
_MONTH = (
    "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = re.compile(
    rf"""
    (?<!\d)(?P<y1>\d{{4}})(?P<s1>[-/.])(?P<m1>\d{{1,2}})(?P=s1)(?P<d1>\d{{1,2}})(?!\d)
    | (?<!\d)(?P<d2>\d{{1,2}})(?P<s2>[-/.])(?P<m2>\d{{1,2}})(?P=s2)(?P<y2>\d{{4}})(?!\d)
    | (?<![\d.])(?P<d5>\d{{1,2}})(?P<s5>[-/])(?P<m5>\d{{1,2}})(?P=s5)(?P<y5>\d{{2}})(?![\d.]\d)
    | (?<![^\W_])(?P<d3>\d{{1,2}}){_ORD}(?:\s+of)?[\s\-/.]+
      (?P<b3>{_MONTH})(?![^\W\d_])\.?,?[\s\-/.]+
      (?P<y3>\d{{4}}|\d{{2}})(?!\d)
    | (?<![^\W\d_])(?P<b4>{_MONTH})(?![^\W\d_])\.?[\s\-]+(?P<d4>\d{{1,2}}){_ORD},?\s+
      (?P<y4>\d{{4}})(?!\d)
    | (?<!\d)(?<!\d\.)(?P<c6>\d{{8}})(?!\.?\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_DIGIT_CHAIN = re.compile(r"\d+(?:(?:[ \t]{1,3}|[ \t]?[-.][ \t]?)\d+)*")
_CHAIN_SEP = re.compile(r"[ \t]{1,3}|[ \t]?[-.][ \t]?")
_NHS_GROUPINGS = {(10,), (3, 3, 4), (2, 2, 2, 2, 2)}
_UPN = re.compile(
    r"(?<!\d)([A-Z])((?:[ \t.-]{0,3}\d){11})((?:[ \t.-]{0,3})[0-9A-Z])(?!\d)", re.IGNORECASE
)
_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

NAME_COLUMNS = {
    "forename": ("forename", "forenames", "first_name", "first_names", "given_name",
                 "given_names", "firstname", "preferred_name"),
    "surname": ("surname", "last_name", "family_name", "lastname", "legal_surname"),
    "full": ("name", "full_name", "child_name", "person_name", "fullname", "pupil_name"),
}
"""Columns holding people's names, by part; a table with any of them is scanned for names."""

NAME_JOINERS = "_.-"
"""Characters that join a name's words the way identifiers and file names do (``ali_khan``):
a name so joined is found in any case."""

NAME = FindingKind.NAME


@dataclass(frozen=True)
class Finding:
    """One kind of personal data found in one place; never holds the value.

    Attributes
    ----------
    kind
        The words of a :class:`FindingKind` (``identifier (<column>)``, ``date of
        birth``, ``NHS number``, ``UPN``, ...), from :meth:`FindingKind.describe`.
    where
        ``notebook cell 12 output``, ``notebook cell 3 (markdown)``,
        ``injected parameters``, ``report.html``, ``report.pdf page 3``, ...
    count
        How many times it was found there.
    """

    kind: str
    where: str
    count: int = 1

    def __str__(self) -> str:
        times = f" ({self.count} times)" if self.count > 1 else ""
        return f"{self.kind} in {self.where}{times}"


@dataclass(frozen=True, repr=False, eq=False)
class Identifiers:
    """The identifier values, names and dates of birth to look for, indexed for fast scanning.

    Build it with ``collect_identifiers``. Its ``repr`` shows counts only, so
    displaying it in a notebook leaks nothing.

    Attributes
    ----------
    dates_of_birth
        Every distinct date of birth of the input tables (and those given).
    unscanned
        Number of distinct identifier values not scanned because they are too
        short or too generic, by kind (``identifier (person_id)``).
    codes
        Free-text code values of the input tables (``referrals.service`` and
        the like) by ``table.column``: ``check_outputs`` checks each against the
        identifiers, however short, and scans it like any other text.
    """

    patterns: Mapping[str, tuple[tuple[frozenset[int], str], ...]] = field(default_factory=dict)
    prefixes: frozenset[str] = frozenset()
    dates_of_birth: frozenset[dt.date] = frozenset()
    unscanned: Mapping[str, int] = field(default_factory=dict)
    every_value: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    name_kinds: frozenset[str] = frozenset({NAME})
    records: Records | None = None

    @property
    def n_identifiers(self) -> int:
        """Number of distinct identifier values (and name forms) that are scanned."""
        return len(self.patterns)

    def __repr__(self) -> str:
        return (
            f"Identifiers({self.n_identifiers} identifiers, "
            f"{len(self.dates_of_birth)} dates of birth, "
            f"{sum(self.unscanned.values())} identifiers too short or generic to scan)"
        )


RECORDLESS_TABLES = ("measures",)
"""Input tables whose rows are aggregate figures, not records of children (by name prefix)."""

RECORD_WINDOW = 200
"""Characters of plain text (tags dropped, spaces run together) within which values count as
written together: a record row printed as a line, a table row or a list item is shorter."""

RECORD_VALUES = 3
"""Values of one input row written together that make a record (at least one a date)."""

RECORD_PAIRS = 3
"""Pairs of dates written together in one output, each two dates of an input row, that make
a table of records, when no row shows ``RECORD_VALUES`` values."""

MAX_CODES = 200
"""Columns with more distinct values than this are not codes (free text, numbers)."""

RECORD = FindingKind.RECORD


@dataclass(frozen=True, repr=False, eq=False)
class Records:
    """The input rows' dates and codes, indexed to find a row written out in an output.

    Built by ``collect_identifiers`` from every input table but ``measures``
    (aggregate figures): each row's dates (date columns, also text columns
    named ``*_date``) and codes (text columns of at most ``MAX_CODES`` distinct
    values that are not identifiers or names: outcomes, needs, services).
    ``check_outputs`` reads each output as plain text and finds, around every
    date of an input row, the values written within ``RECORD_WINDOW``
    characters: ``RECORD_VALUES`` values of one row there (two of its dates and
    its outcome, or a date, a need and an outcome) are a record, and so are
    ``RECORD_PAIRS`` different pairs of dates in one output that are each two
    dates of a row (a table of dates alone). One pair of dates is not enough:
    with thousands of rows, most pairs of dates a few weeks apart are some
    row's two dates (often several rows').
    Dates the report prints on purpose (``allowed``) are not looked for.
    """

    days: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    tables: tuple[tuple[str, int, np.ndarray, np.ndarray], ...] = ()
    code_pattern: re.Pattern[str] | None = None
    code_ids: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Number of input rows indexed (rows with at least one date)."""
        return sum(len(dates) for _, _, dates, _ in self.tables)

    def rows_on(self, day: int) -> np.ndarray:
        """Row numbers of the rows holding the date ``day`` (days since 1970-01-01)."""
        lo, hi = np.searchsorted(self.days, [day, day + 1])
        return self.rows[lo:hi]

    def row(self, number: int) -> tuple[str, set[int], set[int]]:
        """A row's table name, dates (as days) and code ids."""
        for name, first, dates, codes in self.tables:
            if first <= number < first + len(dates):
                local = number - first
                return (name, {int(d) for d in dates[local] if d != _NO_DAY},
                        {int(c) for c in codes[local] if c >= 0})
        raise IndexError(number)

    def __repr__(self) -> str:
        return f"Records({self.n_rows} rows, {len(np.unique(self.days))} dates)"


_NO_DAY = np.iinfo(np.int64).min
_EPOCH = dt.date(1970, 1, 1)


class _RecordsBuilder:
    def __init__(self) -> None:
        self.tables: list[tuple[str, int, np.ndarray, np.ndarray]] = []
        self.code_ids: dict[str, int] = {}
        self.n = 0

    def add(self, table_name: str, table: pd.DataFrame, exclude: set[str]) -> None:
        dates: list[np.ndarray] = []
        codes: list[np.ndarray] = []
        for column in table.columns:
            name = str(column)
            lower = name.casefold()
            series = table[column]
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                dates.append(_days(series))
            elif lower.endswith("_date") or lower in DATE_OF_BIRTH_COLUMNS:
                uniques = {v: _one_date(v) for v in series.dropna().unique()}
                dates.append(_days(pd.to_datetime(series.map(uniques), errors="coerce")))
            elif (
                (lower in IDENTIFIER_COLUMNS or lower.endswith("_id")) and name not in exclude
            ) or _name_part(lower) is not None or pd.api.types.is_bool_dtype(series.dtype):
                continue
            elif (pd.api.types.is_object_dtype(series.dtype)
                  or pd.api.types.is_string_dtype(series.dtype)
                  or isinstance(series.dtype, pd.CategoricalDtype)):
                positions, uniques = pd.factorize(series)
                if len(uniques) > MAX_CODES:
                    continue
                ids = np.array([self._code_id(v) for v in uniques] + [-1], dtype=np.int64)
                codes.append(ids[positions])  # position -1 (missing) reads the last: -1
        if not dates:
            return
        date_matrix = np.column_stack(dates)
        keep = (date_matrix != _NO_DAY).any(axis=1)
        date_matrix = date_matrix[keep]
        code_matrix = (np.column_stack(codes)[keep] if codes
                       else np.full((len(date_matrix), 0), -1, dtype=np.int64))
        self.tables.append((table_name, self.n, date_matrix, code_matrix))
        self.n += len(date_matrix)

    def _code_id(self, value: object) -> int:
        key = _code_key(value)
        if key is None:
            return -1
        return self.code_ids.setdefault(key, len(self.code_ids))

    def build(self) -> Records:
        days, rows = [], []
        for _, first, dates, _ in self.tables:
            numbers = np.repeat(np.arange(first, first + len(dates)), dates.shape[1])
            flat = dates.ravel()
            valid = flat != _NO_DAY
            days.append(flat[valid])
            rows.append(numbers[valid])
        all_days = np.concatenate(days) if days else np.empty(0, np.int64)
        all_rows = np.concatenate(rows) if rows else np.empty(0, np.int64)
        order = np.argsort(all_days, kind="stable")
        pattern = None
        if self.code_ids:
            words = sorted(self.code_ids, key=len, reverse=True)
            pattern = re.compile(
                r"(?<![a-z0-9])(?:" + "|".join(re.escape(w).replace(r"\ ", " +") for w in words)
                + r")(?![a-z0-9])"
            )
        return Records(days=all_days[order], rows=all_rows[order], tables=tuple(self.tables),
                       code_pattern=pattern, code_ids=dict(self.code_ids))


def _days(series: pd.Series) -> np.ndarray:
    """A date column as days since 1970-01-01, ``_NO_DAY`` where missing."""
    values = pd.to_datetime(series, errors="coerce").to_numpy(dtype="datetime64[ns]")
    days = values.astype("datetime64[D]").astype(np.int64)
    days[np.isnat(values)] = _NO_DAY
    return days


def _code_key(value: object) -> str | None:
    """A code as the record check compares it: lower case, ``_`` and ``-`` read as spaces.

    None for what cannot tell one row from another: fewer than two characters,
    no letter, a placeholder.
    """
    key = " ".join(re.split(r"[\s_\-]+", _normalise(str(value)).lower())).strip()
    if len(key) < 2 or not re.search(r"[^\W\d_]", key) or key.replace(" ", "") in PLACEHOLDERS:
        return None
    return key


def _one_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or (isinstance(value, float) and value != value):
        return None
    dates = next(iter(_dates_in_text(_normalise(str(value)).strip())), ())
    return dates[0] if dates else None


_TAG = re.compile(r"<(style|script)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def scan_records(
    text: str,
    identifiers: Identifiers,
    *,
    where: str,
    allowed: Iterable[object] = (),
    lines: bool = False,
) -> list[Finding]:
    """Find input records written out in ``text`` (HTML or plain): see :class:`Records`.

    Values count as written together when they are in one table row of HTML
    (``<tr>``, whatever its cells hold), in one line when ``lines`` (a CSV
    file), and elsewhere within ``RECORD_WINDOW`` characters of plain text
    (tags dropped, spaces run together), whatever the markup between them.

    Parameters
    ----------
    text
        An output: HTML (tags are dropped), CSV or page text.
    identifiers
        From ``collect_identifiers``, whose ``records`` index the input rows.
    where
        The place to name in findings.
    allowed
        As for ``scan_text``: dates the report prints on purpose are not looked for.
    lines
        Read each line as one row (CSV files).

    Returns
    -------
    list of Finding
        ``record of the input (<table>)``, counted in rows found; never a value.

    Examples
    --------
    >>> requests = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2023-01-05", "2023-02-11"]),
    ...     "plan_issued_date": pd.to_datetime(["2023-05-30", None]),
    ...     "primary_need": ["ASD", "SEMH"], "request_outcome": ["assess", "refuse"]})
    >>> ids = collect_identifiers({"requests": requests})
    >>> [str(f) for f in scan_records("<p>5 Jan 2023, ASD, plan 30/05/2023</p>", ids, where="p")]
    ['record of the input (requests) in p']
    >>> scan_records("<p>ASD: 2 plans; period to 30 May 2023</p>", ids, where="p")
    []
    """
    records = identifiers.records
    if records is None or not len(records.days) or not text:
        return []
    ok = _Allowed.of(allowed)
    if lines:
        segments = [(line, False) for line in text.splitlines()]
    else:
        text = _DATA_URI.sub(" ", text)
        rows_html = _TABLE_ROW.findall(text)
        segments = [(row, False) for row in rows_html]
        segments += [(part, True) for part in _TABLE_ROW.split(text)]
    rows: set[int] = set()
    pairs: dict[frozenset[int], set[int]] = {}
    for segment, windowed in segments:
        _record_rows(_plain_text(segment), records, ok, windowed, rows, pairs)
    if len(pairs) >= RECORD_PAIRS:
        rows = rows.union(*pairs.values())
    by_table = Counter(records.row(row)[0] for row in rows)
    return [Finding(RECORD.describe(table), where, n) for table, n in sorted(by_table.items())]


_TABLE_ROW = re.compile(r"<tr\b.*?</tr\s*>", re.IGNORECASE | re.DOTALL)


def _plain_text(html: str) -> str:
    return _normalise(_SPACE.sub(" ", html_lib.unescape(_TAG.sub(" ", html))))


def _record_rows(
    plain: str,
    records: Records,
    ok: _Allowed,
    windowed: bool,
    rows: set[int],
    pairs: dict[frozenset[int], set[int]],
) -> None:
    """Add the input rows written in ``plain`` to ``rows``, or to ``pairs`` (by dates).

    A row with two dates written and nothing else goes to ``pairs`` under
    those two dates.
    """
    found: list[tuple[int, str, frozenset[int]]] = []  # where, kind, days or code ids
    for start, dates in _dated(plain):
        days = frozenset((d - _EPOCH).days for d in dates if d not in ok.dates)
        if any(len(records.rows_on(day)) for day in days):
            found.append((start, "date", days))
    if not found:
        return
    lowered = plain.lower().translate(_CODE_SEPARATORS)
    if records.code_pattern is not None and len(lowered) == len(plain):
        for m in records.code_pattern.finditer(lowered):
            code = records.code_ids[" ".join(m.group().split())]
            found.append((m.start(), "code", frozenset([code])))
    found.sort(key=lambda item: item[0])
    positions = [item[0] for item in found]
    for start, kind, days in found:
        if kind != "date":
            continue
        lo, hi = 0, len(found)
        if windowed:
            lo = bisect.bisect_left(positions, start - RECORD_WINDOW)
            hi = bisect.bisect_right(positions, start + RECORD_WINDOW)
        near: dict[str, set[int]] = {"date": set(), "code": set()}
        for _, k, values in found[lo:hi]:
            near[k] |= values
        for day in days:
            for row in records.rows_on(day).tolist():
                if row in rows:
                    continue
                _, row_days, row_codes = records.row(row)
                n_dates = len(row_days & near["date"])
                if n_dates + len(row_codes & near["code"]) >= RECORD_VALUES:
                    rows.add(row)
                elif n_dates >= 2:
                    pairs.setdefault(frozenset(row_days & near["date"]), set()).add(row)


_CODE_SEPARATORS = {ord("_"): " ", ord("-"): " "}


def _dated(text: str) -> Iterable[tuple[int, tuple[dt.date, ...]]]:
    """Each date in text, with where it starts (as ``_dates_in_text`` reads them)."""
    position = 0
    while (m := _DATE.search(text, position)) is not None:
        position = m.start() + 1
        dates = next(iter(_dates_in_text(m.group())), ())
        if dates:
            yield m.start(), dates


FREE_TEXT_CODES = {"referrals": ("service",), "measures": ("source", "unit")}
"""Code columns whose values are written as the export has them and reach the outputs."""


def collect_identifiers(
    tables: Mapping[str, pd.DataFrame | None],
    *,
    exclude_columns: Iterable[str] = NON_PERSONAL_ID_COLUMNS,
    extra: Mapping[str, Iterable[object]] | None = None,
    names: Iterable[str | Sequence[str]] = (),
    dates_of_birth: Iterable[object] = (),
) -> Identifiers:
    """Collect every identifier value, name and date of birth of the input tables.

    Parameters
    ----------
    tables
        Input tables by name (``requests``, ``reviews``, ``referrals``,
        ``measures``); ``None`` values are skipped. Columns ending ``_id``
        (and ``IDENTIFIER_COLUMNS``) are identifiers, ``DATE_OF_BIRTH_COLUMNS``
        dates of birth and ``NAME_COLUMNS`` names (forename and surname of a
        row are put together).
    exclude_columns
        Columns ending ``_id`` that are not identifiers of people or cases.
    extra
        More identifiers by kind, from anything that is not a table column:
        ``{"UPN": [...], "ULN": [...], "postcode": [...], "exclude id": [...]}``
        (a SEN2 return, an ``exclude`` file). Each kind is reported as
        ``identifier (<kind>)``.
    names
        People's names: each a full name (``"Amelia Jane Smith"``) or its parts
        (``("Amelia", "Smith")``, forenames first). A name is looked for as
        written, forename and surname alone, and surname first (``Smith,
        Amelia``); a single word is not looked for (it would match ordinary
        words such as ``Hope`` or ``May``) and is counted as unscanned.
    dates_of_birth
        More dates of birth (``datetime.date`` or text in any form the guard reads).

    Returns
    -------
    Identifiers
        The values to scan for, and a count of those too short or too generic
        to scan.

    Examples
    --------
    >>> t = pd.DataFrame({"person_id": ["P000123", "17"], "date_of_birth": ["2015-03-01", None]})
    >>> ids = collect_identifiers({"requests": t}, names=[("Amelia", "Smith")])
    >>> ids
    Identifiers(3 identifiers, 1 dates of birth, 1 identifiers too short or generic to scan)
    >>> sorted(ids.dates_of_birth)
    [datetime.date(2015, 3, 1)]
    """
    builder = _Builder()
    exclude = set(exclude_columns)
    for table_name, table in tables.items():
        if table is None:
            continue
        parts: dict[str, list[str]] = {}
        for column in table.columns:
            name = str(column)
            lower = name.casefold()
            part = _name_part(lower)
            if lower in DATE_OF_BIRTH_COLUMNS:
                builder.dobs |= _dates(table[column])
            elif (
                lower in IDENTIFIER_COLUMNS or lower.endswith("_id")
            ) and name not in exclude and lower not in exclude:
                # a SEN2 return's forename_id: a long value is an identifier as it stands, and
                # every forename is also looked for beside its surname (counted there if not)
                kind = FindingKind.IDENTIFIER.describe(name)
                builder.add_all(kind, _distinct_strings(table[column]), count_generic=part is None)
                if part is not None:
                    builder.name_kinds.add(kind)  # written as a name: "mark young" is words
            if part is not None and lower not in DATE_OF_BIRTH_COLUMNS:
                parts.setdefault(part, []).append(name)
            for code_table, code_columns in FREE_TEXT_CODES.items():
                if table_name.startswith(code_table) and name in code_columns:
                    builder.codes.setdefault(f"{code_table}.{name}", set()).update(
                        _distinct_strings(table[column])
                    )
        if parts:
            builder.add_names(_names_of(table, parts))
        if not table_name.startswith(RECORDLESS_TABLES):
            builder.records.add(table_name.split(" (")[0], table, exclude)
    for kind, values in (extra or {}).items():
        kind_words = FindingKind.IDENTIFIER.describe(kind)
        builder.add_all(kind_words, _distinct_strings(pd.Series(list(values))))
    builder.add_names(names)
    builder.dobs |= _dates(pd.Series(list(dates_of_birth), dtype=object))
    return builder.build()


class _Builder:
    def __init__(self) -> None:
        self.patterns: dict[str, dict[frozenset[int], str]] = {}
        self.boundaries: set[str] = set()
        self.unscanned: Counter[str] = Counter()
        self.seen_unscanned: set[tuple[str, str]] = set()
        self.every_value: dict[str, str] = {}
        self.dobs: set[dt.date] = set()
        self.codes: dict[str, set[str]] = {}
        self.name_kinds: set[str] = {NAME}
        self.records = _RecordsBuilder()

    def add_all(self, kind: str, values: Iterable[str], *, count_generic: bool = True) -> None:
        # Most identifiers are ASCII letters and digits in one or two runs (``P000123``,
        # ``REQ-000001``): their key and run end are read from one match, as ``_key``
        # would find them; anything else goes through ``add``.
        for value in values:
            m = _PLAIN_ID.fullmatch(value) if value.isascii() else None
            if m is None:
                self.add(kind, value, count_generic=count_generic)
                continue
            first, second = m.group(1), m.group(2)
            key = (first + second if second else first).lower()
            self._index(kind, key, (len(first),) if second else (), _too_generic(key),
                        count_generic)

    def add(self, kind: str, value: str, *, name: bool = False,
            count_generic: bool = True) -> None:
        key, seps, cuts = _key(value)
        if not key:
            return
        generic = _too_generic_name(key, seps) if name else _too_generic(key)
        self._index(kind, key, cuts, generic, count_generic)

    def _index(self, kind: str, key: str, cuts: Sequence[int], generic: bool,
               count_generic: bool = True) -> None:
        """Index ``key`` (with its run ends ``cuts``) to look for, or count it as unscanned."""
        self.every_value.setdefault(key, kind)
        if generic:
            if count_generic and (kind, key) not in self.seen_unscanned:
                self.seen_unscanned.add((kind, key))
                self.unscanned[kind] += 1
            return
        # a separator may stand wherever two runs of the value meet (``P 000123``), but not
        # inside a run (``P000 123``)
        self.patterns.setdefault(key, {}).setdefault(frozenset(cuts), kind)
        self.boundaries.update(key[:cut] for cut in cuts)

    def add_names(self, names: Iterable[str | Sequence[str]]) -> None:
        for entry in names:
            words = _name_words(entry)
            if not words:
                continue
            if len(words) == 1:
                self.add(NAME, words[0], name=True)
                continue
            forms = {
                " ".join(words),
                f"{words[0]} {words[-1]}",
                f"{words[-1]} {words[0]}",
                " ".join([words[-1], *words[:-1]]),
            }
            for form in forms:
                self.add(NAME, form, name=True)

    def build(self) -> Identifiers:
        return Identifiers(
            patterns={key: tuple(entries.items()) for key, entries in self.patterns.items()},
            prefixes=frozenset(self.boundaries | set(self.patterns)),
            dates_of_birth=frozenset(self.dobs),
            unscanned=dict(self.unscanned),
            every_value=self.every_value,
            codes={k: frozenset(v) for k, v in self.codes.items()},
            name_kinds=frozenset(self.name_kinds),
            records=self.records.build(),
        )


def _name_part(column: str) -> str | None:
    """Which part of a name a column holds (``forename``, ``surname``, ``full``), if any.

    A SEN2 return's names come as ``forename_id``, ``surname_id`` and
    ``full_name_id``: the ``_id`` marks them as values to look for, and they are
    names all the same (forename and surname looked for together, either order).

    Examples
    --------
    >>> _name_part("forename_id"), _name_part("child_name"), _name_part("person_id")
    ('forename', 'full', None)
    """
    for candidate in (column, column.removesuffix("_id")):
        for part, columns in NAME_COLUMNS.items():
            if candidate in columns:
                return part
    return None


def _name_words(entry: str | Sequence[str]) -> list[str]:
    parts = [entry] if isinstance(entry, str) else [p for p in entry if isinstance(p, str)]
    return [w for part in parts for w in _normalise(part).replace(",", " ").split() if w]


def _names_of(table: pd.DataFrame, parts: Mapping[str, list[str]]) -> list[list[str]]:
    """Each row's name: its full name, and its forenames with its surname."""
    names: list[list[str]] = []
    columns = {part: cols[0] for part, cols in parts.items()}
    full = columns.get("full")
    if full is not None:
        names += [[v] for v in _distinct_strings(table[full])]
    first, last = columns.get("forename"), columns.get("surname")
    if first is not None and last is not None:
        pairs = table[[first, last]].dropna(how="all").astype("string").fillna("")
        rows = pairs.drop_duplicates().itertuples(index=False, name=None)
        names += [[forename, surname] for forename, surname in rows]
    elif first is not None or last is not None:
        names += [[v] for v in _distinct_strings(table[first or last])]
    return names


def is_nhs_number(number: str) -> bool:
    """Return whether ``number`` (10 digits, spaces or hyphens ignored) passes the modulus 11 check.

    The first nine digits are weighted 10 down to 2; 11 minus the remainder of
    their sum divided by 11 is the check digit (11 means 0, 10 means no valid
    number). Ten identical digits are placeholders, not NHS numbers.

    Examples
    --------
    >>> is_nhs_number("943 476 5919"), is_nhs_number("943 476 5918")
    (True, False)
    """
    digits = re.sub(r"[ -]", "", number)
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def is_upn(upn: str) -> bool:
    """Return whether ``upn`` is a Unique Pupil Number with a valid check letter.

    DfE's algorithm: characters 2 to 13 are weighted 2 to 13 (a letter in
    position 13, as in a temporary UPN, counts as its place in the alphabet
    ``ABCDEFGHJKLMNPQRTUVWXYZ``, from 0); the sum modulo 23 is the place of the
    check letter in that same alphabet. I, O and S are never used.

    Examples
    --------
    >>> is_upn("B801200005001"), is_upn("A801200005001")
    (True, False)
    """
    upn = upn.upper()
    if not re.fullmatch(r"[A-Z]\d{11}[0-9A-Z]", upn):
        return False
    if upn[0] not in _UPN_ALPHABET or (upn[12].isalpha() and upn[12] not in _UPN_ALPHABET):
        return False
    values = [int(c) for c in upn[1:12]]
    values.append(int(upn[12]) if upn[12].isdigit() else _UPN_ALPHABET.index(upn[12]))
    total = sum(v * w for v, w in zip(values, range(2, 14), strict=True))
    return _UPN_ALPHABET[total % 23] == upn[0]


def find_nhs_numbers(text: str) -> list[str]:
    """Return the NHS numbers in ``text`` (valid check digit only), as written.

    Found as ten digits run together (also run into letters, ``NHS9434765919``),
    spaced 3-3-4 or 2-2-2-2-2 with one kind of separator (spaces, tabs,
    no-break spaces, dots, hyphens or dashes); never as part of a longer number.
    Five pairs of digits must stand alone, not inside a longer row of pairs.

    Examples
    --------
    >>> find_nhs_numbers("NHS no 943 476 5919, ref 9434765918, 943-476-5919, NHS9434765919")
    ['943 476 5919', '943-476-5919', '9434765919']
    >>> find_nhs_numbers("94 34 76 59 19 and 943\u00a0476\u00a05919 and 943\u2013476\u20135919")
    ['94 34 76 59 19', '943 476 5919', '943-476-5919']
    """
    return [number for number, _ in _nhs_numbers(_prepare(text))]


def find_upns(text: str) -> list[str]:
    """Return the UPNs in ``text`` (valid check letter only), as written.

    Found run together (also after letters, ``UPNB801200005001``) or with the
    digits in groups of three or more with one kind of separator
    (``B 8012 0000 5001``).

    Examples
    --------
    >>> find_upns("UPN B801200005001; not A801200005001; B801 2000 0500 1 is not grouped")
    ['B801200005001']
    >>> find_upns("upn: B 801 200 005 001")
    ['B 801 200 005 001']
    """
    return _upns(_prepare(text))


def _nhs_numbers(text: str) -> Iterable[tuple[str, str]]:
    """Yield each NHS number in prepared text as written and as its ten digits."""
    for chain in _DIGIT_CHAIN.finditer(text):
        groups = re.findall(r"\d+", chain.group())
        seps = _CHAIN_SEP.findall(chain.group())
        for start in range(len(groups)):
            for grouping in _NHS_GROUPINGS:
                end = start + len(grouping)
                if end > len(groups) or tuple(map(len, groups[start:end])) != grouping:
                    continue
                inner = seps[start : end - 1]
                if len(set(inner)) > 1:
                    continue
                if grouping == (2, 2, 2, 2, 2) and (start > 0 or end < len(groups)):
                    continue  # a row of two-digit figures, not an NHS number
                if (start > 0 and seps[start - 1] == ".") or (
                    end < len(groups) and seps[end - 1] == "."
                ):
                    continue  # the digits of a decimal number such as 0.9434765919
                digits = "".join(groups[start:end])
                if is_nhs_number(digits):
                    written = groups[start] + "".join(
                        sep + group for sep, group in zip(inner, groups[start + 1 : end],
                                                          strict=True)
                    )
                    yield written, digits


def _upns(text: str) -> list[str]:
    found = []
    for m in _UPN.finditer(text):
        body = m.group(2) + m.group(3)
        groups = re.findall(r"[0-9A-Za-z]+", body)
        seps = set(re.findall(r"[ \t.-]+", body))
        if len(groups) > 1 and (len(seps) > 1 or min(map(len, groups)) < 3):
            continue
        upn = m.group(1) + "".join(groups)
        if is_upn(upn):
            found.append(m.group())
    return found


def scan_text(
    text: str,
    identifiers: Identifiers,
    *,
    where: str,
    allowed: Iterable[object] = (),
) -> list[Finding]:
    """Scan one text (HTML, PDF page text, an output) for personal data.

    Parameters
    ----------
    text
        The text; HTML entities are decoded and base64 data is skipped.
    identifiers
        From ``collect_identifiers``.
    where
        The place to name in each finding, e.g. ``"report.html"``.
    allowed
        Dates (``datetime.date`` or ISO strings) and other strings the report
        prints on purpose.

    Returns
    -------
    list of Finding
        One per kind of value found, in the order identifiers, dates of birth,
        NHS numbers, UPNs.
    """
    return _scan(text, identifiers, where, _Allowed.of(allowed))


def scan_notebook(
    nb: nbformat.NotebookNode,
    identifiers: Identifiers,
    *,
    allowed: Iterable[object] = (),
) -> list[Finding]:
    """Scan an executed notebook for personal data.

    Scanned: every output of every code cell (stream text, errors and
    tracebacks, every text mime type including HTML, JSON and SVG, and the
    output metadata such as image alt text; base64 image data is skipped), the
    source of the cell tagged ``injected-parameters``, markdown and raw cell
    sources, the source of every other code cell (``report.ipynb`` keeps the
    code, so an identifier typed into it would leave with it) except the
    ``parameters`` cell, whose defaults are the notebook's own, and the
    notebook metadata (where papermill records the parameters).

    Parameters
    ----------
    nb
        The executed notebook, before ``scrub_notebook``.
    identifiers
        From ``collect_identifiers``.
    allowed
        As for ``scan_text``.

    Returns
    -------
    list of Finding
        With places ``notebook cell N output``, ``notebook cell N (code)``,
        ``notebook cell N (markdown)``, ``notebook cell N (raw)``, ``injected
        parameters`` and ``notebook metadata``; cells are numbered from 1.
    """
    ok = _Allowed.of(allowed)
    findings = _scan(
        "\n".join(_strings(nb.get("metadata", {}))), identifiers, "notebook metadata", ok
    )
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type in ("markdown", "raw"):
            findings += _scan(
                cell.source, identifiers, f"notebook cell {number} ({cell.cell_type})", ok
            )
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            findings += _scan(cell.source, identifiers, "injected parameters", ok)
        elif "parameters" not in tags:
            # The saved report.ipynb keeps code: an identifier typed into it would leave too.
            findings += _scan(cell.source, identifiers, f"notebook cell {number} (code)", ok)
        texts = [text for output in cell.get("outputs", []) for text in _output_texts(output)]
        findings += _scan("\n".join(texts), identifiers, f"notebook cell {number} output", ok)
    return findings


def check_outputs(
    *,
    notebook: nbformat.NotebookNode | None,
    html: str | None,
    pdf_text: str | Sequence[str] | None,
    identifiers: Identifiers,
    allowed: Iterable[object] = (),
    files: Mapping[str, str] | None = None,
    pdfs: Mapping[str, bytes] | None = None,
    threshold: int | None = None,
    audience: str = "shared",
) -> None:
    """Refuse the outputs of a run if any holds personal data.

    Parameters
    ----------
    notebook
        The executed notebook (scanned before scrubbing), or ``None``.
    html
        The text of ``report.html``, or ``None``.
    pdf_text
        The text of ``report.pdf``: one string per page (findings name the
        page) or one string; ``None`` or empty when no PDF is made.
    identifiers
        From ``collect_identifiers`` on the input tables.
    allowed
        Dates and strings the report prints on purpose: the period bounds,
        reference date and every plan date (see ``dates_in``).
    files
        Other text outputs by file name (``kpis.csv``, ``manifest.json``).
    pdfs
        PDF files by name (``report.pdf``, ``annex-confidential.pdf``), checked
        whole by ``check_pdf``: page text, metadata, and no embedded file.
    threshold, audience
        The run's params ``suppression_threshold`` and ``audience``: charts
        whose values include small counts are refused (``check_charts``);
        ``None`` leaves charts' values unchecked.

    Also checked: every ``data:`` URI of ``html`` (``check_images``; an image
    must be a chart the notebook's printers recorded), and the texts of every
    recorded chart.

    Also checked: every free-text code of the input tables (``Identifiers.codes``),
    which must not equal an identifier, however short, nor hold personal data.

    Raises
    ------
    DisclosureError
        If anything was found (exit code 3). The message lists each finding's
        kind and place, never the value; ``.findings`` holds the list.

    Warns
    -----
    SendReportWarning
        When identifier values were too short or generic to scan, or dates of
        birth equal allowed dates and were not looked for.

    Examples
    --------
    >>> ids = collect_identifiers({"requests": pd.DataFrame(
    ...     {"request_id": ["REQ-2023-000117"], "person_id": ["P000123"]})})
    >>> check_outputs(notebook=None, html="<p>43 plans</p>", pdf_text=None, identifiers=ids)
    >>> check_outputs(notebook=None, html="<p>Child P000123 waited</p>", pdf_text=None,
    ...               identifiers=ids)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sendreport.errors.DisclosureError: the privacy guard refused the outputs: ...
    - identifier (person_id) in report.html
    ...
    """
    ok = _Allowed.of(allowed)
    findings = []
    if notebook is not None:
        findings += scan_notebook(notebook, identifiers, allowed=ok)
        if threshold is not None:
            findings += check_charts(notebook, threshold=threshold, audience=audience,
                                     published=_image_digests(html) if html else None)
    if html:
        findings += _scan(html, identifiers, "report.html", ok)
        declared = {
            str(r.get("png")) for cell in (notebook.cells if notebook is not None else [])
            for output in cell.get("outputs", []) for r in _chart_records(output)
        }
        image_findings, svg_texts = _check_images(html, declared, "report.html")
        findings += image_findings
        findings += _scan("\n".join(svg_texts), identifiers, "report.html (SVG image)", ok)
    if isinstance(pdf_text, str):
        findings += _scan(pdf_text, identifiers, "report.pdf", ok)
    elif pdf_text:
        for page, text in enumerate(pdf_text, start=1):
            findings += _scan(text, identifiers, f"report.pdf page {page}", ok)
    for name, text in (files or {}).items():
        findings += _scan(text, identifiers, name, ok)
        findings += scan_records(text, identifiers, where=name, allowed=ok,
                                 lines=name.endswith(".csv"))
    if html:
        findings += scan_records(html, identifiers, where="report.html", allowed=ok)
    if isinstance(pdf_text, str):
        findings += scan_records(pdf_text, identifiers, where="report.pdf", allowed=ok)
    elif pdf_text:
        for page, text in enumerate(pdf_text, start=1):
            findings += scan_records(text, identifiers, where=f"report.pdf page {page}",
                                     allowed=ok)
    for name, data in (pdfs or {}).items():
        findings += check_pdf(data, identifiers, name=name, allowed=ok)
    findings += scan_codes(identifiers, allowed=ok)
    _warn_unscanned(identifiers)
    if findings:
        lines = "\n".join(f"- {finding}" for finding in findings)
        advice = "Remove the cell output, label or text that shows it and run again."
        if any(SMALL_COUNT_IN_CHART.holds(f.kind) for f in findings):
            advice += (
                " A chart whose values are not counts of people (weeks, percentages) says so "
                "with sendreport.alt_text(fig, '...', people=False)."
            )
        if any(f.kind == UNREAD_IMAGE for f in findings):
            advice += (
                " Print a chart by showing its figure in a cell tagged report, not as an image."
            )
        raise DisclosureError(
            "the privacy guard refused the outputs: personal data found (values not shown)\n"
            f"{lines}\n{advice}",
            findings,
        )


SMALL_COUNT_IN_CHART = FindingKind.SMALL_COUNT_IN_CHART
"""The kind of finding for a chart showing a small count."""

UNREAD_IMAGE = FindingKind.UNREAD_IMAGE
"""Kind of finding for a ``data:`` URI that is not a recorded chart or a readable SVG."""


def check_charts(
    nb: nbformat.NotebookNode,
    *,
    threshold: int,
    audience: str = "shared",
    published: Iterable[str] | None = None,
) -> list[Finding]:
    """Refuse charts whose bars, points or number labels show a small count of people.

    Each chart record an output carries (``figures`` in its metadata, see the
    module docstring) lists the whole numbers the chart shows. In a
    ``shared`` or ``families`` run, one of them that is a small count
    (:func:`sendreport.disclosure.rule.is_small`) is a finding, unless the
    figure said its values are not counts of people (``"people": false``).
    An ``internal`` run is not checked.

    Parameters
    ----------
    nb
        The executed notebook.
    threshold, audience
        The params ``suppression_threshold`` and ``audience``.
    published
        Digests of the PNGs the pack prints (``check_outputs`` reads them from
        ``report.html``): only those charts are checked, so an exploratory
        chart that stays in the notebook does not refuse the run. ``None``
        checks every chart.

    Returns
    -------
    list of Finding
        One per output with such a chart (``notebook cell N output``), its
        count the number of small values; the values are not shown.

    Examples
    --------
    >>> out = nbformat.v4.new_output("display_data", {"text/html": "<img>"}, metadata={
    ...     "text/html": {"sendreport": {"figures": [{"values": [1, 2, 40], "people": True}]}}})
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[out])])
    >>> [str(f) for f in check_charts(nb, threshold=5)]
    ['count of 1 to 4 in a chart in notebook cell 1 output (2 times)']
    >>> check_charts(nb, threshold=5, audience="internal")
    []
    """
    from sendreport.disclosure.rule import is_small

    if audience == "internal":
        return []
    printed = None if published is None else set(published)
    findings = []
    kind = SMALL_COUNT_IN_CHART.describe(threshold - 1)
    for number, cell in enumerate(nb.cells, start=1):
        small = 0
        for output in cell.get("outputs", []):
            for record in _chart_records(output):
                if record.get("people") is False or (
                    printed is not None and record.get("png") not in printed
                ):
                    continue
                values = [v for v in record.get("values", []) if isinstance(v, (int, float))]
                small += int(is_small(values, threshold).sum()) if values else 0
        if small:
            findings.append(Finding(kind, f"notebook cell {number} output", small))
    return findings


def check_images(
    html: str, declared: Iterable[str], *, where: str = "report.html"
) -> list[Finding]:
    """Refuse every ``data:`` URI of ``html`` the guard cannot read.

    An image (PNG, JPEG, GIF, ...) is allowed only when the SHA-256 digest of
    its bytes is in ``declared``: the charts whose contents the guard read. An
    SVG is text: the caller scans it (``check_outputs`` does), and its own
    ``data:`` URIs are checked here too. Anything else (a URL-encoded image, a
    data link) is a finding.

    Parameters
    ----------
    html
        The report's HTML.
    declared
        Hex SHA-256 digests of the recorded charts' PNGs.
    where
        The place to name in findings.

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> import base64, hashlib
    >>> png = b"PNG chart"
    >>> uri = "data:image/png;base64," + base64.b64encode(png).decode()
    >>> check_images(f'<img src="{uri}">', {hashlib.sha256(png).hexdigest()})
    []
    >>> [str(f) for f in check_images(f'<img src="{uri}">', set())]
    ['image or data the guard cannot read in report.html']
    """
    return _check_images(html, set(declared), where)[0]


def _image_digests(html: str) -> set[str]:
    """SHA-256 digests of the base64 images of ``html`` (the charts the pack prints)."""
    return {digest for _, _, _, digest in _data_uris(html) if digest is not None}


def _data_uris(text: str) -> Iterable[tuple[str, bool, bytes | None, str | None]]:
    """Each ``data:`` URI of ``text``: its type, whether base64, its bytes and their digest."""
    import base64
    import binascii
    import hashlib

    for m in _ANY_DATA_URI.finditer(text):
        encoded = ";base64" in m.group("params").lower()
        payload = "".join(m.group("payload").split())
        try:
            data = base64.b64decode(payload + "=" * (-len(payload) % 4)) if encoded else None
        except (binascii.Error, ValueError):
            data = None
        digest = hashlib.sha256(data).hexdigest() if data is not None else None
        yield (m.group("mime") or "").lower(), encoded, data, digest


def _check_images(html: str, declared: set[str], where: str) -> tuple[list[Finding], list[str]]:
    """Findings for unreadable ``data:`` URIs, and the decoded SVG texts to scan."""
    unread = 0
    svgs: list[str] = []
    stack = [html]
    while stack:
        for mime, _, data, digest in _data_uris(stack.pop()):
            if data is not None and mime == "image/svg+xml":
                svg = data.decode("utf-8", "replace")
                svgs.append(svg)
                stack.append(svg)
            elif not (mime in _RASTER and digest in declared):
                unread += 1
    return ([Finding(UNREAD_IMAGE, where, unread)] if unread else []), svgs


EMBEDDED_FILE = FindingKind.EMBEDDED_FILE


def check_pdf(
    data: bytes,
    identifiers: Identifiers,
    *,
    name: str = "report.pdf",
    allowed: Iterable[object] = (),
) -> list[Finding]:
    """Scan a whole PDF for personal data: embedded files, page text and metadata.

    A pack has no attachments, so any embedded file is a finding whatever it
    holds (``<a rel=attachment href=...>`` in HTML makes WeasyPrint embed the
    file it names, such as an input CSV): the document's embedded files and
    file attachment annotations on any page are counted. Each page's text
    (poppler's ``pdftotext``, see :func:`pdf_text_pages`) and the document
    information and XMP metadata are scanned like any other text.

    Parameters
    ----------
    data
        The PDF file's bytes.
    identifiers
        From ``collect_identifiers``.
    name
        The file name to use in findings (``report.pdf``).
    allowed
        As for ``scan_text``.

    Returns
    -------
    list of Finding
        Places ``report.pdf`` (embedded files, metadata) and ``report.pdf page N``.
        A file that cannot be read as a PDF is itself a finding (``unreadable PDF``).
    """
    import io

    import pikepdf

    ok = _Allowed.of(allowed)
    findings: list[Finding] = []
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            attached = len(pdf.attachments)
            if attached:
                findings.append(Finding(EMBEDDED_FILE, name, attached))
            for number, page in enumerate(pdf.pages, start=1):
                annotations = page.obj.get("/Annots") or []
                files = sum(
                    1 for annot in annotations
                    if annot.get("/Subtype") == pikepdf.Name.FileAttachment
                    or "/FS" in annot
                )
                if files:
                    findings.append(Finding(EMBEDDED_FILE, f"{name} page {number}", files))
            metadata = [str(pdf.docinfo[key]) for key in pdf.docinfo.keys()]
            if "/Metadata" in pdf.Root:
                metadata.append(pdf.Root.Metadata.read_bytes().decode("utf-8", "replace"))
        findings += _scan("\n".join(metadata), identifiers, f"{name} metadata", ok)
        for number, text in enumerate(pdf_text_pages(data, name=name), start=1):
            findings += _scan(text, identifiers, f"{name} page {number}", ok)
    except (pikepdf.PdfError, ValueError, OSError) as err:  # never pass what cannot be read
        findings.append(Finding(FindingKind.UNREADABLE_PDF.describe(type(err).__name__), name))
    return findings


def pdf_text_pages(data: bytes, *, name: str = "report.pdf") -> list[str]:
    """The text of each page of a PDF, from poppler's ``pdftotext``.

    ``pdftotext`` reads the PDF from standard input, so no copy of it is
    written anywhere.

    Parameters
    ----------
    data
        The PDF file's bytes.
    name
        The file name to use in messages.

    Returns
    -------
    list of str
        One string per page.

    Raises
    ------
    OutputError
        If ``pdftotext`` (Debian package ``poppler-utils``) is missing (exit code 2).
    ValueError
        If ``pdftotext`` cannot read the file (or not within 300 seconds).

    Examples
    --------
    >>> from weasyprint import HTML
    >>> [page.strip() for page in pdf_text_pages(HTML(string="<p>43 plans</p>").write_pdf())]
    ['43 plans']
    """
    try:
        out = subprocess.run(
            ["pdftotext", "-q", "-enc", "UTF-8", "-", "-"],
            input=data,
            capture_output=True,
            timeout=300,
        )
    except FileNotFoundError:
        raise OutputError(
            "pdftotext is needed to check a PDF's text: install poppler-utils"
        ) from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"pdftotext could not read {name} in 300 s") from None
    if out.returncode != 0:
        raise ValueError(f"pdftotext could not read {name} (exit {out.returncode})")
    pages = out.stdout.decode("utf-8", errors="replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def scan_codes(identifiers: Identifiers, *, allowed: Iterable[object] = ()) -> list[Finding]:
    """Check the free-text codes of the input tables against the identifiers.

    A code (a ``service`` value) reaches the outputs as written. One that
    equals an identifier value of three or more characters, however short or
    generic (a ``service`` of ``P17``), or that holds personal data as text, is
    a finding at ``input codes (referrals.service)``.

    Parameters
    ----------
    identifiers
        From ``collect_identifiers``, which records the codes.
    allowed
        As for ``scan_text``.

    Returns
    -------
    list of Finding
        One per kind of value found per code column.

    Examples
    --------
    >>> referrals = pd.DataFrame({"person_id": ["P17", "P000123"], "service": ["P17", "audiology"]})
    >>> [str(f) for f in scan_codes(collect_identifiers({"referrals": referrals}))]
    ['identifier (person_id) in input codes (referrals.service)']
    """
    ok = _Allowed.of(allowed)
    findings: list[Finding] = []
    for column, values in sorted(identifiers.codes.items()):
        where = f"input codes ({column})"
        hits: Counter[str] = Counter()
        for value in values:
            key = _key(value)[0]
            kind = identifiers.every_value.get(key)
            if kind is not None and len(key) >= 3 and key not in ok.keys:
                hits[kind] += 1
                continue
            for finding in _scan(value, identifiers, where, ok):
                hits[finding.kind] += finding.count
        findings += [Finding(kind, where, count) for kind, count in hits.items()]
    return findings


def scrub_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` that keeps only the report's own display outputs.

    An output is kept when its metadata has a ``sendreport`` key (the
    ``sendreport.pack`` display helpers set it), and in a cell tagged
    ``report`` a figure's HTML (its PNG dropped) and markdown; every other output
    (DataFrame reprs, printed text, warnings, errors, plain plots) is dropped,
    as are execution counts and widget state. A kept output keeps only what
    the pack prints of it (its HTML, or a report cell's markdown) and its
    role: the chart records the guard read (``figures``) and any other data
    (an image without HTML) are dropped, and so are markdown cells' attachments.
    The input is not modified.

    Parameters
    ----------
    nb
        The executed notebook.

    Returns
    -------
    nbformat.NotebookNode
        The notebook to write as ``report.ipynb``.

    Examples
    --------
    >>> v4 = nbformat.v4
    >>> cell = v4.new_code_cell("pack.show_cover(); requests.head()", outputs=[
    ...     v4.new_output("display_data", {"text/html": "<h1>Demoshire</h1>"},
    ...                   metadata={"sendreport": {"role": "cover"}}),
    ...     v4.new_output("execute_result", {"text/plain": "REQ1 P1 ..."}, execution_count=3)])
    >>> [o.metadata for o in scrub_notebook(v4.new_notebook(cells=[cell])).cells[0].outputs]
    [{'sendreport': {'role': 'cover'}}]
    """
    clean = copy.deepcopy(nb)
    clean.get("metadata", {}).pop("widgets", None)
    for cell in clean.cells:
        if cell.cell_type != "code":
            cell.pop("attachments", None)  # not printed; they would leave in report.ipynb
            continue
        cell.execution_count = None
        report_cell = "report" in cell.get("metadata", {}).get("tags", [])
        kept = []
        for output in cell.get("outputs", []):
            if "sendreport" in output.get("metadata", {}):
                kept.append(_pack_output(output))
            elif report_cell and _report_cell_output(output):
                kept.append(_report_cell_output(output))
        for output in kept:
            if "execution_count" in output:
                output.execution_count = None
        cell.outputs = kept
    return clean


def _pack_output(output: Mapping) -> Mapping:
    """A display helper's output as the pack prints it: its HTML and its metadata, no records."""
    kept = copy.deepcopy(output)
    if "data" in kept:
        kept["data"] = {k: v for k, v in kept["data"].items() if k == "text/html"}
    kept["metadata"] = _without_records(kept.get("metadata", {}))
    return kept


def _without_records(metadata: Mapping) -> dict:
    return {
        key: _without_records(value) if isinstance(value, Mapping) else value
        for key, value in metadata.items()
        if key != "figures"
    }


def _report_cell_output(output: Mapping) -> Mapping | None:
    """What a ``report`` cell's output prints in the pack: a figure's HTML or markdown."""
    data, metadata = output.get("data", {}), output.get("metadata", {})
    if "text/html" in data and metadata.get("text/html", {}).get("sendreport"):
        keep = {"text/html": data["text/html"]}
        meta = {"text/html": _without_records(metadata["text/html"])}
    elif "text/markdown" in data:
        keep, meta = {"text/markdown": data["text/markdown"]}, {}
    else:
        return None
    return nbformat.from_dict({"output_type": "display_data", "data": keep, "metadata": meta})


def dates_in(*objects: object) -> frozenset[dt.date]:
    """Return every date held in ``objects`` (pydantic models, mappings, sequences, dates).

    Use it to build ``allowed`` from the params and the plan, whose dates the
    report prints.

    Examples
    --------
    >>> sorted(dates_in({"a": dt.date(2024, 3, 31), "b": [dt.datetime(2024, 4, 1, 9)]}))
    [datetime.date(2024, 3, 31), datetime.date(2024, 4, 1)]
    """
    found: set[dt.date] = set()
    stack = list(objects)
    while stack:
        obj = stack.pop()
        if isinstance(obj, dt.datetime):
            found.add(obj.date())
        elif isinstance(obj, dt.date):
            found.add(obj)
        elif isinstance(obj, Mapping):
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        elif hasattr(obj, "model_dump"):
            stack.append(obj.model_dump())
    return frozenset(found)


@dataclass(frozen=True)
class _Allowed:
    dates: frozenset[dt.date] = frozenset()
    keys: frozenset[str] = frozenset()

    @classmethod
    def of(cls, allowed: Iterable[object] | _Allowed) -> _Allowed:
        if isinstance(allowed, _Allowed):
            return allowed
        dates: set[dt.date] = set()
        keys: set[str] = set()
        for item in allowed:
            if isinstance(item, dt.datetime):
                dates.add(item.date())
            elif isinstance(item, dt.date):
                dates.add(item)
            else:
                text = str(item)
                try:
                    dates.add(dt.date.fromisoformat(text))
                except ValueError:
                    keys.add(_key(text)[0])
        return cls(frozenset(dates), frozenset(keys))


def _scan(text: str, identifiers: Identifiers, where: str, allowed: _Allowed) -> list[Finding]:
    if not text:
        return []
    text = _prepare(text)
    hits: Counter[str] = Counter()
    if identifiers.patterns:
        hits.update(_identifier_hits(text, identifiers, allowed))
    patterned = _HEX_DIGEST.sub(" ", text)  # hashes in the provenance are not numbers
    if identifiers.dates_of_birth:
        dobs = identifiers.dates_of_birth - allowed.dates
        hits[DATE_OF_BIRTH] += sum(
            1 for dates in _dates_in_text(patterned) if any(d in dobs for d in dates)
        )
    hits[NHS_NUMBER] += sum(1 for _, digits in _nhs_numbers(patterned)
                            if digits not in allowed.keys)
    hits[UPN] += sum(1 for m in _upns(patterned) if _key(m)[0] not in allowed.keys)
    return [Finding(kind, where, count) for kind, count in hits.items() if count]


def _normalise(text: str) -> str:
    """Unicode forms people type, made plain: spaces, digits, dashes, invisible characters."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_TO_ASCII)
    if _OTHER_DIGIT.search(text):
        text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)
    return _UNICODE_SPACE.sub(" ", text)


_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")
_UNICODE_SPACE = re.compile(r"[^\S\t\n\r\f\v ]")


def _prepare(text: str) -> str:
    text = _ANSI.sub("", _DATA_URI.sub(" ", text))
    text = html_lib.unescape(text) if "&" in text else text
    return _normalise(text)


def _identifier_hits(text: str, identifiers: Identifiers, allowed: _Allowed) -> Iterable[str]:
    """Yield the kind of each identifier found in prepared text.

    An identifier is found where its runs of letters and digits appear in
    order, case-insensitively, with nothing but separators between them, and
    separators only where two of its runs meet (any kind, or none):
    ``REQ-2023-000117`` is found as ``REQ 2023 000117`` and ``REQ2023000117``,
    ``P000123`` as ``P 000123`` but not as ``P000 123``. It starts and ends
    where a run does, so ``AP000123`` and ``P0001234`` are not ``P000123``.
    """
    runs = [(m.start(), m.end(), m.group().casefold()) for m in _RUN.finditer(text)]
    prefixes, patterns = identifiers.prefixes, identifiers.patterns
    name_kinds = identifiers.name_kinds
    n = len(runs)
    joined = [False] * n  # run i joins run i - 1 (by a separator or by nothing)
    separated = [False] * n
    for i in range(1, n):
        gap = text[runs[i - 1][1] : runs[i][0]]
        if not gap:
            joined[i] = True
        elif len(gap) <= _MAX_GAP and not gap.strip(SEPARATORS):
            joined[i] = separated[i] = True
    for i in range(n):
        if runs[i][2] not in prefixes:
            continue
        key = ""
        seps: list[int] = []
        for j in range(i, n):
            if j > i:
                if not joined[j]:
                    break
                if separated[j]:
                    seps.append(len(key))
            key += runs[j][2]
            if key not in prefixes:
                break
            entries = patterns.get(key)
            if entries is None or key in allowed.keys:
                continue
            kind, cuts = next(((kind, id_seps) for id_seps, kind in entries
                               if id_seps.issuperset(seps)), (None, frozenset()))
            if kind in name_kinds and not _written_as_name(text, runs, i, j, cuts):
                continue  # "mark young people" is not Mark Young
            if kind is not None:
                yield kind
                break


def _written_as_name(
    text: str, runs: Sequence[tuple[int, int, str]], i: int, j: int, cuts: Iterable[int]
) -> bool:
    """Whether runs ``i`` to ``j`` of ``text`` read as a name rather than ordinary words.

    Words joined by ``_``, ``.`` or ``-`` alone (``ali_khan``, ``khan.ali``) are
    how identifiers, user names and file names write a name: any case. Words
    apart (spaces, a comma) or run together must each start with a capital, as
    names do in prose and labels: ``mark young people``, ``Sunday`` and
    ``Rainbow`` are words, ``AliKhan`` and ``ALIKHAN`` are not. ``cuts`` are the
    places in the name's key where its words meet.
    """
    gaps = [text[runs[t - 1][1] : runs[t][0]] for t in range(i + 1, j + 1)]
    if gaps and all(gap and not gap.strip(NAME_JOINERS) for gap in gaps):
        return True
    starts, offset = [], 0
    for t in range(i, j + 1):
        start, end, folded = runs[t]
        starts.append((offset, start, end - start == len(folded)))
        offset += len(folded)
    letters = [start for _, start, _ in starts]
    for cut in cuts:  # a word's first letter inside a run of the text (``AliKhan``)
        o, s, same = [run for run in starts if run[0] <= cut][-1]
        if o < cut and same:
            letters.append(s + cut - o)
    return all(text[p].isupper() for p in letters)


def _dates_in_text(text: str) -> Iterable[tuple[dt.date, ...]]:
    """Yield the date (or the possible dates, for a two-digit year) of each date in text.

    Matches may overlap: in ``of 24 January 10, 2004`` both ``24 January 10``
    and ``January 10, 2004`` are read.
    """
    position = 0
    while (m := _DATE.search(text, position)) is not None:
        position = m.start() + 1
        g = m.groupdict()
        if g["y1"]:
            candidates = [(g["y1"], g["m1"], g["d1"])]
        elif g["y2"]:
            candidates = [(g["y2"], g["m2"], g["d2"])]
        elif g["y5"]:
            candidates = [(c + g["y5"], g["m5"], g["d5"]) for c in ("20", "19")]
        elif g["c6"]:
            c = g["c6"]
            candidates = [(c[:4], c[4:6], c[6:]), (c[4:], c[2:4], c[:2])]
        else:
            y, name, d = (g["y3"], g["b3"], g["d3"]) if g["y3"] else (g["y4"], g["b4"], g["d4"])
            month = _MONTHS.get(name.casefold())
            if month is None:
                continue
            years = [y] if len(y) == 4 else ["20" + y, "19" + y]
            candidates = [(year, month, d) for year in years]
        dates = []
        for y, mo, d in candidates:
            try:
                dates.append(dt.date(int(y), int(mo), int(d)))
            except ValueError:
                continue
        if dates:
            yield tuple(dates)


def _key(value: str) -> tuple[str, list[int], list[int]]:
    """Return ``value``'s letters and digits run together, its separator places, its run ends.

    The key is case-folded; places count characters of the key.
    """
    text = _normalise(str(value)).casefold()
    key = ""
    seps: list[int] = []
    cuts: list[int] = []
    last_end = None
    for m in _RUN.finditer(text):
        if last_end is not None:
            cuts.append(len(key))
            if m.start() > last_end:
                seps.append(len(key))
        key += m.group()
        last_end = m.end()
    return key, seps, cuts


def _too_generic(key: str) -> bool:
    if key in PLACEHOLDERS:
        return True
    if key.isdigit():
        return len(key) < MIN_DIGITS
    if key.isalpha():
        return len(key) < MIN_LETTERS
    return len(key) < MIN_CHARACTERS


def _too_generic_name(key: str, seps: list[int]) -> bool:
    """A name of one word is not looked for; a forename and surname are, whatever their length."""
    return not seps or key in PLACEHOLDERS


def _distinct_strings(column: pd.Series) -> list[str]:
    values = column.dropna().unique()
    out = []
    for value in values:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if text:
            out.append(text)
    return out


def _dates(column: pd.Series) -> set[dt.date]:
    """Dates of birth of a column: date cells as they are, text in any form the guard reads.

    ISO text (``2015-03-01``) is year first; ``01/03/2015`` is day first, as the
    packs are British.
    """
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return {ts.date() for ts in column.dropna()}
    found: set[dt.date] = set()
    for value in column.dropna().unique():
        if isinstance(value, dt.datetime | pd.Timestamp):
            found.add(value.date())
        elif isinstance(value, dt.date):
            found.add(value)
        else:
            text = _normalise(str(value)).strip()
            dates = next(iter(_dates_in_text(text)), ())
            if dates:
                found.add(dates[0])
    return found


def _strings(obj: object) -> Iterable[str]:
    """Every string held in ``obj`` (nested mappings and lists)."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool):
            yield str(item)


def _output_texts(output: Mapping) -> list[str]:
    kind = output.get("output_type")
    if kind == "stream":
        return [output.get("text", "")]
    if kind == "error":
        return [output.get("ename", ""), output.get("evalue", ""), *output.get("traceback", [])]
    texts = []
    for mime, data in output.get("data", {}).items():
        if mime.startswith("image/") and mime != "image/svg+xml":
            continue
        texts.extend(_strings(data))
    texts.extend(_strings(_records_as_texts(output.get("metadata", {}))))
    return texts


def _records_as_texts(obj: object) -> object:
    """Metadata with each chart record (a ``figures`` list) reduced to the texts it shows.

    A record's PNG digest and values are not text of the report: a digest is
    not scanned for identifiers it holds by chance.
    """
    if isinstance(obj, Mapping):
        return {
            key: [_texts_of(r) for r in value] if key == "figures" and isinstance(value, list)
            else _records_as_texts(value)
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [_records_as_texts(item) for item in obj]
    return obj


def _texts_of(record: object) -> object:
    return record.get("texts", []) if isinstance(record, Mapping) else record


def _chart_records(output: Mapping) -> list[Mapping]:
    """The chart records an output's metadata carries (``figures``, at any depth)."""
    records: list[Mapping] = []
    stack: list[object] = [output.get("metadata", {})]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if key == "figures" and isinstance(value, list):
                    records += [r for r in value if isinstance(r, Mapping)]
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return records


def _warn_unscanned(identifiers: Identifiers) -> None:
    """Warn of the analyst's own ids too short or too generic to look for, saying what to do.

    Names are left out (a forename or surname alone is too often an ordinary
    word; the guard looks for the pair, and a SEN2 return's ``surname_id`` is a
    name), and so are dates of birth equal to dates the report prints on
    purpose: neither is something the analyst can act on.
    """
    columns = {}
    for kind, n in identifiers.unscanned.items():
        column = kind.removeprefix("identifier (").removesuffix(")")
        if column != kind and _name_part(column) is None:
            columns[column] = n
    if columns:
        parts = ", ".join(f"{n} {column} {'value' if n == 1 else 'values'}"
                          for column, n in columns.items())
        warnings.warn(
            f"{parts} too short or too generic to look for in the outputs (an id is looked for "
            f"from {MIN_DIGITS} digits, {MIN_LETTERS} letters or {MIN_CHARACTERS} letters and "
            "digits): give each child a longer pseudonymous id, or check the pack by hand for "
            "those ids",
            SendReportWarning,
            stacklevel=3,
        )


__all__ = [
    "DATE_OF_BIRTH_COLUMNS",
    "EMBEDDED_FILE",
    "FindingKind",
    "FREE_TEXT_CODES",
    "IDENTIFIER_COLUMNS",
    "MIN_CHARACTERS",
    "MIN_DIGITS",
    "MIN_LETTERS",
    "NAME_COLUMNS",
    "NAME_JOINERS",
    "NON_PERSONAL_ID_COLUMNS",
    "Finding",
    "Identifiers",
    "check_outputs",
    "check_pdf",
    "collect_identifiers",
    "dates_in",
    "find_nhs_numbers",
    "find_upns",
    "is_nhs_number",
    "pdf_text_pages",
    "is_upn",
    "SMALL_COUNT_IN_CHART",
    "UNREAD_IMAGE",
    "Records",
    "check_charts",
    "check_images",
    "scan_records",
    "scan_codes",
    "scan_notebook",
    "scan_text",
    "scrub_notebook",
]
