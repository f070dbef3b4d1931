"""National comparators for children's health waits: NHS England's community health services lists.

NHS England publishes, each month, the community health services (CHS) waiting
lists for children and young people by service line, with the number waiting
in the wait bands 0-1, 1-2, 2-4, 4-12, 12-18, 18-52 and over 52 weeks, at
national, regional, system (integrated care board) and provider level. The
params key ``benchmarks`` names a tidy copy of those figures (one row per
month, level, area, service line and band; ``docs/benchmarks.md`` maps the
published spreadsheet to it). :func:`read_chs` validates the file as strictly
as the other inputs; :func:`comparators` gives, for one of our services, the
latest month on or before the stocktake's end at every area in the file.

The package ships no national figure: a pack without a ``benchmarks`` file says
that no comparator was given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from sendreport.errors import DataValidationError
from sendreport.io import read_table

__all__ = [
    "BANDS",
    "CHS_COLUMNS",
    "CHS_SOURCE",
    "LEVELS",
    "SERVICE_LINES",
    "Comparator",
    "canonical_service",
    "comparators",
    "read_chs",
]

CHS_COLUMNS = ("month", "level", "area_code", "area_name", "service", "band", "count")
"""Columns of the tidy benchmarks file, in order."""

BANDS = ("0-1", "1-2", "2-4", "4-12", "12-18", "18-52", "52+")
"""Wait bands in weeks, as NHS England publishes them (``52+``: over 52 weeks)."""

OVER_18 = ("18-52", "52+")
OVER_52 = ("52+",)

LEVELS = ("national", "region", "system", "provider")
"""Geographic levels, broadest first (``system``: an integrated care board)."""

CHS_SOURCE = (
    "Source: NHS England, Community Health Services Waiting Lists, {month}; "
    "Open Government Licence v3.0"
)
"""Credit line for the comparator figures; ``{month}`` is the month shown."""

SERVICE_LINES = {
    "audiology": "audiology",
    "community paediatric service": "community_paediatrics",
    "community paediatrics": "community_paediatrics",
    "speech and language therapy service": "speech_and_language_therapy",
    "speech and language therapy": "speech_and_language_therapy",
    "therapy interventions occupational therapy": "occupational_therapy",
    "occupational therapy": "occupational_therapy",
    "therapy interventions physiotherapy": "physiotherapy",
    "physiotherapy": "physiotherapy",
    "wheelchair orthotics prosthetics and equipment": "equipment",
    "wheelchair services": "equipment",
    "equipment": "equipment",
}
"""Children and young people's CHS service lines (normalised) to canonical services.

A line is matched after :func:`_normalise` (lower case; ``(CYP)``, ``CYP`` and
punctuation dropped). A canonical service code (``autism_assessment``) is also
accepted as it is, for a line the table does not know. Lines that match
nothing are kept out of every comparison. ``docs/benchmarks.md`` prints this
table.
"""

_MISSING = ("", "*", "c", "x", "z", ":", "..", "-")
"""Cells a publication leaves without a figure (suppressed or not available)."""

_BAND_ALIASES = {
    ">52": "52+",
    "over 52": "52+",
    "52 plus": "52+",
    "52": "52+",
}


def _normalise(line: str) -> str:
    """A service line in the form :data:`SERVICE_LINES` matches.

    Examples
    --------
    >>> _normalise("(CYP) Therapy interventions: Occupational therapy")
    'therapy interventions occupational therapy'
    """
    text = re.sub(r"\(?\bcyp\b\)?", " ", line.lower())
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def canonical_service(line: str) -> str | None:
    """The canonical service of a CHS service line (``None`` when it maps to none).

    Examples
    --------
    >>> canonical_service("(CYP) Speech and Language Therapy Service")
    'speech_and_language_therapy'
    >>> canonical_service("autism_assessment")
    'autism_assessment'
    >>> canonical_service("(CYP) Dietetics") is None
    True
    """
    from sendreport.validation.schemas import SERVICES

    raw = str(line).strip()
    if raw in SERVICES:
        return raw
    return SERVICE_LINES.get(_normalise(raw))


def _band(value: str) -> str:
    text = re.sub(r"\s*weeks?\s*$", "", str(value).strip().lower())
    text = text.replace("\u2013", "-").replace(" to ", "-").replace(" ", "")
    return _BAND_ALIASES.get(text, _BAND_ALIASES.get(text.replace("+", ""), text))


def _month(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    short = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    return iso.fillna(short).dt.to_period("M").dt.to_timestamp()


def _count(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip().str.replace(",", "", regex=False)
    return pd.to_numeric(text.mask(text.isin(_MISSING)), errors="coerce")


def _schema() -> pa.DataFrameSchema:
    def text(s: pd.Series) -> pd.Series:
        return s.astype("string").str.strip().fillna("") != ""

    def month(s: pd.Series) -> pd.Series:
        return _month(s).notna()

    def level(s: pd.Series) -> pd.Series:
        return s.astype("string").str.strip().str.lower().isin(LEVELS)

    def band(s: pd.Series) -> pd.Series:
        return s.map(_band).isin(BANDS)

    def whole(s: pd.Series) -> pd.Series:
        n = _count(s)
        blank = s.astype("string").str.strip().fillna("").isin(_MISSING)
        return blank | (n.notna() & (n == n.round()))

    def not_negative(s: pd.Series) -> pd.Series:
        return ~(_count(s) < 0)

    def check(fn, name: str) -> pa.Check:
        return pa.Check(fn, name=name)

    return pa.DataFrameSchema(
        {
            "month": pa.Column(checks=check(month, "not_a_month")),
            "level": pa.Column(checks=check(level, "unknown_code")),
            "area_code": pa.Column(checks=check(text, "missing")),
            "area_name": pa.Column(checks=check(text, "missing")),
            "service": pa.Column(checks=check(text, "missing")),
            "band": pa.Column(checks=check(band, "unknown_code")),
            "count": pa.Column(
                checks=[check(whole, "not_a_whole_number"), check(not_negative, "negative")]
            ),
        },
        coerce=False,
    )


def read_chs(path: str | Path) -> pd.DataFrame:
    r"""Read and validate a tidy CHS waiting list file (the params key ``benchmarks``).

    Parameters
    ----------
    path
        CSV, XLSX or Parquet with the columns of :data:`CHS_COLUMNS`.

    Returns
    -------
    pandas.DataFrame
        ``month`` (first day, ``datetime64``), ``level``, ``area_code``,
        ``area_name``, ``service`` (as written), ``canonical`` (the mapped
        service or ``None``), ``band`` (one of :data:`BANDS`) and ``count``
        (``Int64``; missing where the publication gives no figure).

    Raises
    ------
    DataValidationError
        One line per problem, naming the file, column and rule (exit code 2).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "chs.csv"
    >>> _ = p.write_text("month,level,area_code,area_name,service,band,count\n"
    ...                  "2024-11,national,E92000001,England,(CYP) Audiology,52+ weeks,7\n")
    >>> row = read_chs(p).iloc[0]
    >>> row["month"].date(), row["canonical"], row["band"], int(row["count"])
    (datetime.date(2024, 11, 1), 'audiology', '52+', 7)
    """
    path = Path(path)
    raw = read_table(path)
    frame = raw.frame.rename(columns=lambda c: str(c).strip().lower())
    missing = [c for c in CHS_COLUMNS if c not in frame.columns]
    if missing:
        _raise(path, [(c, "required_column_missing", "") for c in missing])
    frame = frame[list(CHS_COLUMNS)].astype("string")
    rows = pd.Series(raw.row_numbers, index=frame.index)
    problems = []
    try:
        _schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases.assign(check=cases["check"].replace({"not_nullable": "missing"}))
        for (column, check), part in cases.groupby(["column", "check"], sort=False):
            index = part["index"].dropna().astype(int)
            values = ""
            if check == "unknown_code":
                found = frame.loc[index, column].value_counts().head(5)
                values = "; values " + ", ".join(f"{v!r} ({n})" for v, n in found.items())
            numbers = rows.loc[index].head(5).tolist()
            problems.append((str(column), str(check), f"{_rows(numbers, len(index))}{values}"))
    if not problems:
        key = ["month", "level", "area_code", "service", "band"]
        tidy = frame.assign(
            month=_month(frame["month"]),
            level=frame["level"].str.strip().str.lower(),
            band=frame["band"].map(_band),
        )
        dupes = tidy.duplicated(key, keep=False)
        if dupes.any():
            numbers = rows[dupes].head(5).tolist()
            problems.append(("band", "duplicate", _rows(numbers, int(dupes.sum()))))
    if problems:
        _raise(path, problems)
    out = pd.DataFrame(
        {
            "month": _month(frame["month"]),
            "level": frame["level"].str.strip().str.lower(),
            "area_code": frame["area_code"].str.strip(),
            "area_name": frame["area_name"].str.strip(),
            "service": frame["service"].str.strip(),
            "band": frame["band"].map(_band),
            "count": _count(frame["count"]).astype("Int64"),
        }
    )
    out["canonical"] = out["service"].map(canonical_service)
    return out.reset_index(drop=True)


def _rows(numbers: list, n: int) -> str:
    return f"{n} row{'' if n == 1 else 's'} (row {', '.join(map(str, numbers))})"


def _raise(path: Path, problems: list[tuple[str, str, str]]) -> None:
    lines = [f"{path}: column {c}, rule {r}" + (f": {d}" if d else "") for c, r, d in problems]
    failures = pd.DataFrame(
        {
            "table": "benchmarks",
            "file": str(path),
            "column": [c for c, _, _ in problems],
            "rule": [r for _, r, _ in problems],
            "count": 0,
            "example_rows": [d for _, _, d in problems],
        }
    )
    raise DataValidationError("\n".join(lines), failures)


@dataclass(frozen=True)
class Comparator:
    """One area's CHS waiting list for a service in one month."""

    level: str
    area_code: str
    area_name: str
    month: dt.date
    waiting: int | None
    over_18: int | None
    over_52: int | None

    @property
    def pct_over_18(self) -> float | None:
        """Percentage of the list waiting more than 18 weeks (``None``: not available)."""
        return _pct(self.over_18, self.waiting)

    @property
    def pct_over_52(self) -> float | None:
        """Percentage of the list waiting more than 52 weeks (``None``: not available)."""
        return _pct(self.over_52, self.waiting)

    @property
    def label(self) -> str:
        """``England (national), November 2024``."""
        return f"{self.area_name} ({self.level}), {self.month:%B %Y}"


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return 100 * part / whole


def comparators(chs: pd.DataFrame, service: str, at: dt.date) -> list[Comparator]:
    """Every area's list for a canonical service in the latest month on or before ``at``.

    A band the publication left blank makes the totals that need it not
    available (``None``), never a partial sum.

    Parameters
    ----------
    chs
        The frame :func:`read_chs` returns.
    service
        A canonical service code.
    at
        The stocktake's end: months after it are not used.

    Returns
    -------
    list of Comparator
        Broadest level first, then by area name; empty when the file has no
        month for the service on or before ``at``.

    Examples
    --------
    >>> chs = pd.DataFrame({"month": pd.Timestamp("2024-11-01"), "level": "national",
    ...     "area_code": "E92000001", "area_name": "England", "canonical": "audiology",
    ...     "band": list(BANDS), "count": pd.array([50, 20, 10, 10, 5, 4, 1], "Int64")})
    >>> c = comparators(chs, "audiology", dt.date(2024, 12, 31))[0]
    >>> c.label, c.waiting, c.over_18, round(c.pct_over_18, 1)
    ('England (national), November 2024', 100, 5, 5.0)
    """
    rows = chs[(chs["canonical"] == service) & (chs["month"] <= pd.Timestamp(at))]
    if rows.empty:
        return []
    rows = rows[rows["month"] == rows["month"].max()]
    out = []
    for (level, code, name), part in rows.groupby(["level", "area_code", "area_name"]):
        counts = part.groupby("band")["count"].agg(lambda s: s.sum(min_count=len(s)))
        present = [b for b in BANDS if b in counts.index]

        def total(bands, counts=counts, present=present) -> int | None:
            if any(b not in present or pd.isna(counts[b]) for b in bands):
                return None
            return int(sum(counts[b] for b in bands))

        out.append(
            Comparator(
                level=str(level),
                area_code=str(code),
                area_name=str(name),
                month=part["month"].iloc[0].date(),
                waiting=total(BANDS),
                over_18=total(OVER_18),
                over_52=total(OVER_52),
            )
        )
    return sorted(out, key=lambda c: (LEVELS.index(c.level), c.area_name))
