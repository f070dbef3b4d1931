"""The privacy guard: refuse outputs that hold personal data (SPEC 7).

The runner executes the notebook, renders the HTML and the PDF, and before it
writes anything to the output folder calls ``check_outputs``: the executed
notebook, the HTML and the PDF text are scanned for

- every value of an identifier column of the input tables (``person_id``,
  ``request_id``, ``review_id``, ``referral_id`` and any other column ending in
  ``_id``, except ``NON_PERSONAL_ID_COLUMNS`` such as ``measure_id``);
- every date of birth, in the forms a report prints (``2015-03-01``,
  ``01/03/2015``, ``1/3/2015``, ``01-03-2015``, ``1.3.2015``, ``1 March 2015``,
  ``1 Mar 2015``, ``1st March 2015``, ``March 1, 2015``); day-first only, as
  the packs are British;
- NHS numbers (10 digits, run together or spaced 3-3-4 with spaces or
  hyphens, with a valid modulus 11 check digit) and UPNs (a check letter, 11
  digits and a digit or letter, with a valid DfE check letter).

A hit raises ``DisclosureError`` (exit code 3) naming the kind of value and
where it was (``notebook cell 12 output``, ``injected parameters``,
``report.html``, ``report.pdf page 3``), never the value.

How false positives are kept out
--------------------------------
- Identifiers match whole tokens only. Text and identifiers are both cut into
  runs of letters and runs of digits (``P0001`` is ``P`` + ``0001``); an
  identifier matches where its runs appear in order, case-insensitively, with
  the same separators between them, and not glued to a letter or digit on
  either side (``P00012`` and ``AP0001`` do not match ``P0001``; ``REQ-P0001``
  and ``(P0001)`` do). Matching is a dictionary look-up per token, so tens of
  thousands of identifiers cost no more than a few.
- Identifier values too short or too generic to scan safely are not scanned
  but counted in ``Identifiers.unscanned`` and reported in a warning: numbers
  of fewer than ``MIN_DIGITS`` digits (they would match counts and years),
  words of fewer than ``MIN_LETTERS`` letters, mixed codes of fewer than
  ``MIN_CHARACTERS`` letters and digits, and placeholders such as ``unknown``.
- A report prints dates of its own: the period bounds, the reference date, the
  plan's due dates, evidence and intervention dates. With thousands of
  children, most calendar dates of the last twenty years are somebody's date
  of birth, so those dates must be passed as ``allowed``; a date of birth that
  equals an allowed date is not looked for (and the warning says how many
  were skipped). ``allowed`` may also hold other strings the report prints on
  purpose; an identifier, NHS number or UPN equal to one is not reported.
- Base64 data (embedded images) is skipped; image alt text is scanned.

``scrub_notebook`` then keeps only the report's own display outputs in the
``report.ipynb`` written to the output folder.
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import nbformat
import pandas as pd

from sendreport.errors import DisclosureError, SendReportWarning

IDENTIFIER_COLUMNS = ("person_id", "request_id", "review_id", "referral_id")
"""Identifier columns of the input tables; any other column ending ``_id`` is one too."""

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

DATE_OF_BIRTH = "date of birth"
NHS_NUMBER = "NHS number"
UPN = "UPN"

_RUN = re.compile(r"[^\W\d_]+|\d+")
_SPACE = re.compile(r"\s+")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]*")
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {
    name: number
    for number, full in enumerate(_MONTH_NAMES.split(), start=1)
    for name in (full, full[:3], "sept" if number == 9 else full)
}
_DATE = re.compile(
    r"""
    (?<![\d])(?P<y1>\d{4})(?P<s1>[-/.])(?P<m1>\d{1,2})(?P=s1)(?P<d1>\d{1,2})(?!\d)
    | (?<![\d])(?P<d2>\d{1,2})(?P<s2>[-/.])(?P<m2>\d{1,2})(?P=s2)(?P<y2>\d{4})(?!\d)
    | (?<![\w])(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<b3>[^\W\d_]{3,9})\.?,?\s+(?P<y3>\d{4})(?!\d)
    | (?<![\w])(?P<b4>[^\W\d_]{3,9})\.?\s+(?P<d4>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{4})(?!\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_NHS = re.compile(r"(?<!\w)(\d{3})([ -]?)(\d{3})\2(\d{4})(?!\w)")
_UPN = re.compile(r"(?<!\w)([A-Z]\d{11}[0-9A-Z])(?!\w)", re.IGNORECASE)
_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass(frozen=True)
class Finding:
    """One kind of personal data found in one place; never holds the value.

    Attributes
    ----------
    kind
        ``identifier (<column>)``, ``date of birth``, ``NHS number`` or ``UPN``.
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
    """The identifier values and dates of birth to look for, indexed for fast scanning.

    Build it with ``collect_identifiers``. Its ``repr`` shows counts only, so
    displaying it in a notebook leaks nothing.

    Attributes
    ----------
    dates_of_birth
        Every distinct date of birth of the input tables.
    unscanned
        Number of distinct identifier values not scanned because they are too
        short or too generic, by kind (``identifier (person_id)``).
    """

    patterns: Mapping[tuple[str, ...], tuple[tuple[tuple[str, ...], str], ...]] = field(
        default_factory=dict
    )
    prefixes: frozenset[tuple[str, ...]] = frozenset()
    dates_of_birth: frozenset[dt.date] = frozenset()
    unscanned: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_identifiers(self) -> int:
        """Number of distinct identifier values that are scanned."""
        return len(self.patterns)

    def __repr__(self) -> str:
        return (
            f"Identifiers({self.n_identifiers} identifiers, "
            f"{len(self.dates_of_birth)} dates of birth, "
            f"{sum(self.unscanned.values())} identifiers too short or generic to scan)"
        )


def collect_identifiers(
    tables: Mapping[str, pd.DataFrame | None],
    *,
    exclude_columns: Iterable[str] = NON_PERSONAL_ID_COLUMNS,
) -> Identifiers:
    """Collect every identifier value and date of birth of the input tables.

    Parameters
    ----------
    tables
        Input tables by name (``requests``, ``reviews``, ``referrals``,
        ``measures``); ``None`` values are skipped.
    exclude_columns
        Columns ending ``_id`` that are not identifiers of people or cases.

    Returns
    -------
    Identifiers
        The values to scan for, and a count of those too short or too generic
        to scan.

    Examples
    --------
    >>> t = pd.DataFrame({"person_id": ["P000123", "17"], "date_of_birth": ["2015-03-01", None]})
    >>> collect_identifiers({"requests": t})
    Identifiers(1 identifiers, 1 dates of birth, 1 identifiers too short or generic to scan)
    """
    exclude = set(exclude_columns)
    patterns: dict[tuple[str, ...], dict[tuple[str, ...], str]] = {}
    unscanned: Counter[str] = Counter()
    dobs: set[dt.date] = set()
    seen_unscanned: set[tuple[str, str]] = set()
    for table in tables.values():
        if table is None:
            continue
        for column in table.columns:
            name = str(column)
            if name in DATE_OF_BIRTH_COLUMNS:
                dobs |= _dates(table[column])
            elif (name in IDENTIFIER_COLUMNS or name.endswith("_id")) and name not in exclude:
                kind = f"identifier ({name})"
                for value in _distinct_strings(table[column]):
                    key, seps = _key(value)
                    if not key:
                        continue
                    if _too_generic(key):
                        if (kind, value) not in seen_unscanned:
                            seen_unscanned.add((kind, value))
                            unscanned[kind] += 1
                        continue
                    patterns.setdefault(key, {}).setdefault(seps, kind)
    prefixes = {key[:k] for key in patterns for k in range(1, len(key) + 1)}
    return Identifiers(
        patterns={key: tuple(entries.items()) for key, entries in patterns.items()},
        prefixes=frozenset(prefixes),
        dates_of_birth=frozenset(dobs),
        unscanned=dict(unscanned),
    )


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

    Examples
    --------
    >>> find_nhs_numbers("NHS no 943 476 5919, ref 9434765918, 943-476-5919")
    ['943 476 5919', '943-476-5919']
    """
    return [m.group() for m in _NHS.finditer(text) if is_nhs_number(m.group())]


def find_upns(text: str) -> list[str]:
    """Return the UPNs in ``text`` (valid check letter only), as written.

    Examples
    --------
    >>> find_upns("UPN B801200005001; not A801200005001")
    ['B801200005001']
    """
    return [m.group() for m in _UPN.finditer(text) if is_upn(m.group())]


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
    """
    ok = _Allowed.of(allowed)
    findings = []
    if notebook is not None:
        findings += scan_notebook(notebook, identifiers, allowed=ok)
    if html:
        findings += _scan(html, identifiers, "report.html", ok)
    if isinstance(pdf_text, str):
        findings += _scan(pdf_text, identifiers, "report.pdf", ok)
    elif pdf_text:
        for page, text in enumerate(pdf_text, start=1):
            findings += _scan(text, identifiers, f"report.pdf page {page}", ok)
    for name, text in (files or {}).items():
        findings += _scan(text, identifiers, name, ok)
    _warn_unscanned(identifiers, ok)
    if findings:
        lines = "\n".join(f"- {finding}" for finding in findings)
        err = DisclosureError(
            "the privacy guard refused the outputs: personal data found (values not shown)\n"
            f"{lines}\n"
            "Remove the cell output, label or text that shows it and run again."
        )
        err.findings = findings
        raise err


def scrub_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return a copy of ``nb`` that keeps only the report's own display outputs.

    An output is kept when its metadata has a ``sendreport`` key (the
    ``sendreport.report`` display helpers set it); every other output
    (DataFrame reprs, printed text, warnings, errors, plain plots) is dropped,
    as are execution counts and widget state. The input is not modified.

    Parameters
    ----------
    nb
        The executed notebook.

    Returns
    -------
    nbformat.NotebookNode
        The notebook to write as ``report.ipynb``.
    """
    clean = copy.deepcopy(nb)
    clean.get("metadata", {}).pop("widgets", None)
    for cell in clean.cells:
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        kept = [o for o in cell.get("outputs", []) if "sendreport" in o.get("metadata", {})]
        for output in kept:
            if "execution_count" in output:
                output.execution_count = None
        cell.outputs = kept
    return clean


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
    keys: frozenset[tuple[str, ...]] = frozenset()
    joined: frozenset[str] = frozenset()

    @classmethod
    def of(cls, allowed: Iterable[object] | _Allowed) -> _Allowed:
        if isinstance(allowed, _Allowed):
            return allowed
        dates: set[dt.date] = set()
        keys: set[tuple[str, ...]] = set()
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
        return cls(frozenset(dates), frozenset(keys), frozenset("".join(k) for k in keys))


def _scan(text: str, identifiers: Identifiers, where: str, allowed: _Allowed) -> list[Finding]:
    if not text:
        return []
    text = _prepare(text)
    hits: Counter[str] = Counter()
    if identifiers.patterns:
        hits.update(_identifier_hits(text, identifiers, allowed))
    if identifiers.dates_of_birth:
        dobs = identifiers.dates_of_birth - allowed.dates
        hits[DATE_OF_BIRTH] += sum(1 for d in _dates_in_text(text) if d in dobs)
    hits[NHS_NUMBER] += sum(
        1 for m in find_nhs_numbers(text) if re.sub(r"\D", "", m) not in allowed.joined
    )
    hits[UPN] += sum(1 for m in find_upns(text) if m.casefold() not in allowed.joined)
    return [Finding(kind, where, count) for kind, count in hits.items() if count]


def _prepare(text: str) -> str:
    text = _ANSI.sub("", _DATA_URI.sub(" ", text))
    return html_lib.unescape(text) if "&" in text else text


def _identifier_hits(text: str, identifiers: Identifiers, allowed: _Allowed) -> Iterable[str]:
    runs = [(m.start(), m.end(), m.group().casefold()) for m in _RUN.finditer(text)]
    prefixes, patterns = identifiers.prefixes, identifiers.patterns
    n = len(runs)
    for i in range(n):
        if (runs[i][2],) not in prefixes:
            continue
        if i and runs[i - 1][1] == runs[i][0]:
            continue  # glued to the letters or digits before it
        key: tuple[str, ...] = ()
        for j in range(i, n):
            key = (*key, runs[j][2])
            if key not in prefixes:
                break
            entries = patterns.get(key)
            if entries is None or key in allowed.keys:
                continue
            if j + 1 < n and runs[j + 1][0] == runs[j][1]:
                continue  # glued to the letters or digits after it
            seps = tuple(_SPACE.sub(" ", text[runs[t][1] : runs[t + 1][0]]) for t in range(i, j))
            kind = next((kind for id_seps, kind in entries if id_seps == seps), None)
            if kind is not None:
                yield kind
                break


def _dates_in_text(text: str) -> Iterable[dt.date]:
    for m in _DATE.finditer(text):
        g = m.groupdict()
        if g["y1"]:
            y, mo, d = g["y1"], g["m1"], g["d1"]
        elif g["y2"]:
            y, mo, d = g["y2"], g["m2"], g["d2"]
        else:
            y, name, d = (g["y3"], g["b3"], g["d3"]) if g["y3"] else (g["y4"], g["b4"], g["d4"])
            mo = _MONTHS.get(name.casefold())
            if mo is None:
                continue
        try:
            yield dt.date(int(y), int(mo), int(d))
        except ValueError:
            continue


def _key(value: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the runs of letters and digits of ``value`` (case-folded) and their separators."""
    runs = _RUN.findall(value.casefold())
    seps = _RUN.split(value)[1:-1]
    if any(seps):
        seps = [_SPACE.sub(" ", sep) for sep in seps]
    return tuple(runs), tuple(seps)


def _too_generic(key: tuple[str, ...]) -> bool:
    joined = "".join(key)
    if joined in PLACEHOLDERS:
        return True
    if joined.isdigit():
        return len(joined) < MIN_DIGITS
    if joined.isalpha():
        return len(joined) < MIN_LETTERS
    return len(joined) < MIN_CHARACTERS


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
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        parsed = column
    else:
        parsed = pd.to_datetime(column, errors="coerce", format="mixed", dayfirst=True)
    return {ts.date() for ts in parsed.dropna()}


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
    texts.extend(_strings(output.get("metadata", {})))
    return texts


def _warn_unscanned(identifiers: Identifiers, allowed: _Allowed) -> None:
    parts = [f"{n} {kind} values" for kind, n in identifiers.unscanned.items()]
    skipped = len(identifiers.dates_of_birth & allowed.dates)
    if parts:
        warnings.warn(
            f"not scanned, too short or too generic to tell from report text: {', '.join(parts)}",
            SendReportWarning,
            stacklevel=3,
        )
    if skipped:
        warnings.warn(
            f"{skipped} dates of birth equal dates the report prints on purpose (period bounds, "
            "reference date, plan dates) and were not looked for",
            SendReportWarning,
            stacklevel=3,
        )


__all__ = [
    "DATE_OF_BIRTH_COLUMNS",
    "IDENTIFIER_COLUMNS",
    "MIN_CHARACTERS",
    "MIN_DIGITS",
    "MIN_LETTERS",
    "NON_PERSONAL_ID_COLUMNS",
    "Finding",
    "Identifiers",
    "check_outputs",
    "collect_identifiers",
    "dates_in",
    "find_nhs_numbers",
    "find_upns",
    "is_nhs_number",
    "is_upn",
    "scan_notebook",
    "scan_text",
    "scrub_notebook",
]
