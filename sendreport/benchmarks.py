"""Published DfE EHC plan timeliness, for benchmarking ``ehcp_20wk_excl``.

The Department for Education publishes, each year, the number of new EHC plans
issued and how many were issued within 20 weeks, for England, each region and
every local authority (the SEN2 data collection). The figures for 2014-2024 are
package data (``sendreport/data/dfe_ehcp_timeliness.csv``), tidied from two
explore-education-statistics releases by :func:`tidy_dfe_timeliness`. They are
Crown copyright, used under the Open Government Licence v3.0; credit DfE
wherever they appear (:func:`dfe_credit`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from sendreport.errors import DataValidationError, ParameterError

__all__ = [
    "DFE_COLUMNS",
    "DFE_PUBLICATION_RULE",
    "DFE_SOURCE",
    "Comparator",
    "area_code_problems",
    "authority",
    "dfe_comparators",
    "dfe_benchmark",
    "dfe_credit",
    "gap_in_points",
    "load_dfe_timeliness",
    "months_covered",
    "published_on",
    "published_years",
    "comparators_not_used",
    "tidy_dfe_timeliness",
]

DFE_SOURCE = (
    "Source: Department for Education, Education, health and care plans (SEN2), {year}; "
    "Open Government Licence v3.0"
)
"""Credit line for DfE figures; ``{year}`` is the reporting year (see :func:`dfe_credit`)."""

DFE_COLUMNS = (
    "year",
    "geographic_level",
    "region_name",
    "la_code",
    "old_la_code",
    "la_name",
    "plans_issued",
    "within_20wk",
    "pct_incl",
    "plans_issued_excl",
    "within_20wk_excl",
    "pct_excl",
)
"""Columns of the tidy DfE timeliness table, in order."""

_LEVELS = ("National", "Regional", "Local authority")
_KEYS = ("time_period", "geographic_level", "region_name", "new_la_code", "old_la_code", "la_name")
_RENAME_2025 = {
    "plans_issued_den": "plans_issued",
    "plans_issued_within_20_weeks": "within_20wk",
    "pc_plans_issued_within_20_weeks": "pct_incl",
    "plans_issued_den_ex": "plans_issued_excl",
    "plans_issued_20_weeks_ex": "within_20wk_excl",
    "PC_plans_issued_20_weeks_ex": "pct_excl",
}
_RENAME_2022 = {
    "TotIncExcEHC": "plans_issued",
    "IncExc20weekEHC": "within_20wk",
    "IncExc20weekRate": "pct_incl",
    "TotNoExcEHC": "plans_issued_excl",
    "NoExc20weekEHC": "within_20wk_excl",
    "NoExc20weekRate": "pct_excl",
}
_NOT_AVAILABLE = ("x", "z", "c", "u", ":", "..")
"""GSS symbols for figures not available, not applicable, suppressed or unreliable."""
_COUNTS = ("plans_issued", "within_20wk", "plans_issued_excl", "within_20wk_excl")
_PCTS = ("pct_incl", "pct_excl")


def _as_missing(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.mask(text.isin(_NOT_AVAILABLE) | (text == ""))


def _tidy_release(raw: pd.DataFrame, rename: dict[str, str], name: str) -> pd.DataFrame:
    missing = [c for c in (*_KEYS, *rename) if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"{name} requires missing columns: {', '.join(missing)}. "
            f"Found: {', '.join(map(str, raw.columns))}"
        )
    out = raw.loc[:, [*_KEYS, *rename]].rename(
        columns={"time_period": "year", "new_la_code": "la_code", **rename}
    )
    out["year"] = pd.to_numeric(out["year"]).astype("int64")
    for col in ("geographic_level", "region_name", "la_code", "old_la_code", "la_name"):
        text = out[col].astype("string").str.strip()
        out[col] = text.mask(text == "")
    # old LA codes are three-digit strings; a numeric read may have turned 821 into 821.0
    out["old_la_code"] = out["old_la_code"].str.replace(r"\.0$", "", regex=True)
    for col in _COUNTS:
        out[col] = pd.to_numeric(_as_missing(out[col])).astype("Int64")
    for col in _PCTS:
        pct = pd.to_numeric(_as_missing(out[col])).astype("Float64")
        out[col] = pct.round(1)
    return out


def tidy_dfe_timeliness(release_2025: pd.DataFrame, release_2022: pd.DataFrame) -> pd.DataFrame:
    """Combine two DfE releases into one tidy table, 2014 to 2024.

    The 2025 release (years 2019-2024) is used wherever it has the year; the
    2022 SEN2 management-information release supplies 2014-2018 (the two agree
    on every overlapping figure). ``x`` (not available) and ``z`` (not applicable) become missing.

    Parameters
    ----------
    release_2025
        ``ees_ehcp_timeliness_20wk_2019_2024_all_levels.csv`` as read; needs the
        EES key columns and ``plans_issued_den``, ``plans_issued_within_20_weeks``,
        ``pc_plans_issued_within_20_weeks``, ``plans_issued_den_ex``,
        ``plans_issued_20_weeks_ex`` and ``PC_plans_issued_20_weeks_ex``.
    release_2022
        ``ees_sen2_mi_2014_2021_timeliness_requests.csv`` as read; needs the EES
        key columns and ``TotIncExcEHC``, ``IncExc20weekEHC``, ``IncExc20weekRate``,
        ``TotNoExcEHC``, ``NoExc20weekEHC`` and ``NoExc20weekRate``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DFE_COLUMNS`, one row per year and area, sorted by year,
        level (national, regional, local authority), region and LA name.

    Raises
    ------
    DataValidationError
        If either release lacks a column it needs (all missing columns listed).

    Examples
    --------
    >>> keys = dict(geographic_level="National", region_name="", new_la_code="",
    ...             old_la_code="", la_name="")
    >>> new = pd.DataFrame([dict(time_period=2023, **keys, plans_issued_den=80945,
    ...     plans_issued_within_20_weeks=39784, pc_plans_issued_within_20_weeks=49.1,
    ...     plans_issued_den_ex=76506, plans_issued_20_weeks_ex=38471,
    ...     PC_plans_issued_20_weeks_ex=50.3)])
    >>> old = pd.DataFrame([dict(time_period=2015, **keys, TotIncExcEHC=15000,
    ...     IncExc20weekEHC=9000, IncExc20weekRate=60, TotNoExcEHC="x",
    ...     NoExc20weekEHC="x", NoExc20weekRate="x")])
    >>> tidy_dfe_timeliness(new, old)[["year", "plans_issued", "pct_excl"]]
       year  plans_issued  pct_excl
    0  2015         15000      <NA>
    1  2023         80945      50.3
    """
    new = _tidy_release(release_2025, _RENAME_2025, "release_2025")
    old = _tidy_release(release_2022, _RENAME_2022, "release_2022")
    old = old[~old["year"].isin(set(new["year"]))]
    out = pd.concat([old, new], ignore_index=True)
    level = out["geographic_level"].map({lvl: i for i, lvl in enumerate(_LEVELS)})
    order = (
        out.assign(_level=level.fillna(len(_LEVELS)))
        .sort_values(
            ["year", "_level", "region_name", "la_name"], na_position="first", kind="stable"
        )
        .index
    )
    return out.loc[order, list(DFE_COLUMNS)].reset_index(drop=True)


@cache
def _load() -> pd.DataFrame:
    path = resources.files("sendreport") / "data" / "dfe_ehcp_timeliness.csv"
    with resources.as_file(path) as p:
        raw = pd.read_csv(
            p,
            dtype={
                "region_name": "string",
                "la_code": "string",
                "old_la_code": "string",
                "la_name": "string",
                "geographic_level": "string",
            },
            keep_default_na=False,
            na_values=[""],
        )
    for col in _COUNTS:
        raw[col] = raw[col].astype("Int64")
    for col in _PCTS:
        raw[col] = raw[col].astype("Float64")
    raw["year"] = raw["year"].astype("int64")
    return raw


def load_dfe_timeliness() -> pd.DataFrame:
    """Return DfE's published EHC plan timeliness, 2014-2024 (cached; a fresh copy each call).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DFE_COLUMNS`: ``year``; ``geographic_level`` (``National``,
        ``Regional``, ``Local authority``); ``region_name``; ``la_code`` (the
        9-character ONS code); ``old_la_code`` (DfE's 3-digit code); ``la_name``;
        ``plans_issued``, ``within_20wk`` and ``pct_incl`` (exceptions included);
        ``plans_issued_excl``, ``within_20wk_excl`` and ``pct_excl`` (excluding
        20-week exceptions: DfE's headline measure, our ``ehcp_20wk_excl``).
        Counts are ``Int64`` and percentages ``Float64`` (1 decimal place, as
        published), with ``<NA>`` where DfE published ``x``.

    Examples
    --------
    >>> dfe = load_dfe_timeliness()
    >>> dfe.query("year == 2023 and geographic_level == 'National'")[
    ...     ["plans_issued_excl", "within_20wk_excl", "pct_excl"]].to_numpy().tolist()
    [[76506, 38471, 50.3]]
    """
    return _load().copy()


def dfe_benchmark(*, la_code: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Return the England figures, and with ``la_code`` those of its region and itself.

    Parameters
    ----------
    la_code
        The local authority's 9-character code (``E06000032``) or DfE's 3-digit
        code (``821``). ``None`` gives England only.
    year
        A single calendar year; ``None`` gives every year.

    Returns
    -------
    pandas.DataFrame
        ``area`` (``England``, the region name or the LA name) then
        :data:`DFE_COLUMNS`, sorted by year then England, region, LA.

    Raises
    ------
    ParameterError
        If ``la_code`` is not a local authority in the DfE figures, or ``year``
        is outside the years published.

    Examples
    --------
    >>> b = dfe_benchmark(la_code="E06000032", year=2024)
    >>> b[["area", "plans_issued_excl", "pct_excl"]].to_numpy().tolist()
    [['England', 84866, 46.4], ['East of England', 9315, 39.6], ['Luton', 354, 27.1]]
    """
    dfe = _load()
    if year is not None:
        years = dfe["year"].unique()
        if year not in set(years.tolist()):
            raise ParameterError(
                f"year must be one of {years.min()}-{years.max()} (DfE timeliness), not {year!r}"
            )
    keep = dfe["geographic_level"] == "National"
    if la_code is not None:
        code = str(la_code).strip()
        is_la = dfe["geographic_level"] == "Local authority"
        la_rows = is_la & ((dfe["la_code"] == code) | (dfe["old_la_code"] == code))
        if not la_rows.any():
            raise ParameterError(
                f"la_code must be a local authority code in the DfE figures "
                f"(e.g. 'E06000032' or '821'), not {la_code!r}"
            )
        regions = dfe.loc[la_rows].sort_values("year")["region_name"]
        region = regions.iloc[-1]
        keep = (
            keep
            | la_rows
            | ((dfe["geographic_level"] == "Regional") & (dfe["region_name"] == region))
        )
    if year is not None:
        keep = keep & (dfe["year"] == year)
    out = dfe.loc[keep.fillna(False)].copy()
    area = out["la_name"].where(
        out["geographic_level"] == "Local authority",
        out["region_name"].where(out["geographic_level"] == "Regional", "England"),
    )
    out.insert(0, "area", area.astype("string"))
    return out.reset_index(drop=True)


def dfe_credit(year: int | str | None = None) -> str:
    """Return the credit line for DfE figures of ``year`` (or of 2014-2024).

    Examples
    --------
    >>> dfe_credit(2024)
    'Source: Department for Education, Education, health and care plans (SEN2), 2024; Open Government Licence v3.0'
    """  # noqa: E501
    return DFE_SOURCE.format(year=year if year is not None else "2014-2024")


def months_covered(year: int, data_from: object, data_to: object) -> int:
    """Calendar months of ``year`` that data from ``data_from`` to ``data_to`` cover in full.

    DfE's figures are for calendar years; an area's own figure for a year its
    data cover only in part is not comparable, and the pack says how many
    months the data cover instead.

    Parameters
    ----------
    year
        The calendar year.
    data_from, data_to
        First and last dates the data cover (anything ``pandas.Timestamp`` reads).

    Returns
    -------
    int
        0 to 12.

    Examples
    --------
    >>> months_covered(2023, "2023-08-01", "2024-12-31")
    5
    >>> months_covered(2024, "2023-08-01", "2024-12-31"), months_covered(2024, "2023-08-01", "2024-06-30")
    (12, 6)
    """  # noqa: E501
    first = pd.Timestamp(data_from)
    last = pd.Timestamp(data_to)
    starts = pd.date_range(f"{year}-01-01", periods=12, freq="MS")
    ends = starts + pd.offsets.MonthEnd(0)
    return int(((starts >= first) & (ends <= last)).sum())


# ----- comparators like for like (SPEC 5) ------------------------------------------------

DFE_PUBLICATION_RULE = (
    "DfE publishes each calendar year's figures in June of the following year; "
    "a year's figures are used only when 30 June of the following year is on or "
    "before the data extract date"
)
"""How the pack decides which DfE years were published by ``reference_date`` (in words)."""


def gap_in_points(value: float, period: str, comparator: float, comparator_period: str
                  ) -> float | None:
    """``value`` minus ``comparator`` in percentage points, only when both cover the same months.

    A gap between figures of different periods would mix a change over time
    with a difference between areas, so none is computed (SPEC 5): the caller
    states both figures with their periods instead.

    Parameters
    ----------
    value, comparator
        The two percentages.
    period, comparator_period
        What each covers, in the same words (``calendar year 2023``).

    Returns
    -------
    float or None
        The gap, positive when ``value`` is higher; ``None`` when the periods differ.

    Examples
    --------
    >>> round(gap_in_points(13.0, "calendar year 2023", 50.3, "calendar year 2023"), 1)
    -37.3
    >>> gap_in_points(41.4, "2024-07-01 to 2024-12-31", 50.3, "calendar year 2023") is None
    True
    """
    if period.strip().lower() != comparator_period.strip().lower():
        return None
    return value - comparator

_MEASURE = {
    "ehcp_20wk_excl": ("within_20wk_excl", "plans_issued_excl", "pct_excl"),
    "ehcp_20wk_incl": ("within_20wk", "plans_issued", "pct_incl"),
}
"""Numerator, denominator and published percentage of each KPI DfE publishes."""


def published_on(year: int) -> dt.date:
    """The date from which DfE's figures for calendar ``year`` count as published.

    DfE's "Education, health and care plans" release comes out in June of the
    year after the one it reports (2024's figures on 26 June 2025); the pack
    takes the last day of that June.

    Examples
    --------
    >>> published_on(2023)
    datetime.date(2024, 6, 30)
    """
    return dt.date(year + 1, 6, 30)


def published_years(reference_date: dt.date) -> list[int]:
    """The calendar years of the bundled DfE figures published on or before ``reference_date``.

    Examples
    --------
    >>> published_years(dt.date(2025, 1, 31))[-1], published_years(dt.date(2025, 6, 30))[-1]
    (2023, 2024)
    >>> published_years(dt.date(2015, 1, 1))
    []
    """
    years = sorted(set(_load()["year"].tolist()))
    return [y for y in years if published_on(y) <= reference_date]


def authority(code: object) -> dict[str, str] | None:
    """The local authority a code names in DfE's figures (``None``: no authority has it).

    A dict of ``la_code``, ``old_la_code``, ``la_name`` and ``region_name``
    (its latest year). The code is either DfE's 3-digit code or the 9-character
    ONS code; surrounding spaces are ignored.

    Examples
    --------
    >>> authority("821")["la_name"], authority(" E06000032 ")["region_name"]
    ('Luton', 'East of England')
    >>> authority("E10000099") is None, authority("NOTACODE") is None
    (True, True)
    """
    text = str(code).strip()
    dfe = _load()
    rows = dfe[(dfe["geographic_level"] == "Local authority")
               & ((dfe["la_code"] == text) | (dfe["old_la_code"] == text)).fillna(False)]
    if not text or rows.empty:
        return None
    last = rows.sort_values("year").iloc[-1]
    return {k: str(last[k]) for k in ("la_code", "old_la_code", "la_name", "region_name")}


def area_code_problems(values: dict) -> list[str]:
    """Problems with ``la_code``, ``neighbours`` and ``synthetic`` in params (SPEC 3).

    ``la_code`` must name a local authority in the bundled DfE file
    (``sendreport/data/dfe_ehcp_timeliness.csv``) unless ``synthetic`` is
    true; each of ``neighbours`` must name one always, another than the area.

    Parameters
    ----------
    values
        Parameter values (others than these keys are ignored; values of a
        wrong type are left to the type check).

    Returns
    -------
    list of str
        One line per problem, naming the key and the offending code.

    Examples
    --------
    >>> area_code_problems({"la_code": "821", "neighbours": ["E06000055"]})
    []
    >>> area_code_problems({"la_code": "E10000099", "synthetic": True})
    []
    >>> for line in area_code_problems({"la_code": "NOTACODE", "neighbours": ["E1", "821"]}):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    la_code 'NOTACODE' is not a local authority in DfE's published figures
    (sendreport/data/dfe_ehcp_timeliness.csv: a 9-character code such as 'E06000032' or
    DfE's 3-digit code such as '821'); give the area's own code, or synthetic: true for a
    made-up area
    neighbours: 'E1' is not a local authority in DfE's published figures (a 9-character
    code such as 'E06000032' or DfE's 3-digit code such as '821')
    """
    problems = []
    code = values.get("la_code")
    own = None
    if isinstance(code, str) and not values.get("synthetic"):
        own = authority(code)
        if own is None:
            problems.append(
                f"la_code {code!r} is not a local authority in DfE's published figures "
                "(sendreport/data/dfe_ehcp_timeliness.csv: a 9-character code such as "
                "'E06000032' or DfE's 3-digit code such as '821'); give the area's own code, "
                "or synthetic: true for a made-up area"
            )
    neighbours = values.get("neighbours")
    seen: set[str] = set()
    for item in neighbours if isinstance(neighbours, list) else []:
        if not isinstance(item, str):
            continue
        found = authority(item)
        if found is None:
            problems.append(
                f"neighbours: {item!r} is not a local authority in DfE's published figures "
                "(a 9-character code such as 'E06000032' or DfE's 3-digit code such as '821')"
            )
        elif own is not None and found["la_code"] == own["la_code"]:
            problems.append(f"neighbours: {item!r} is the area itself (la_code {code!r})")
        elif found["la_code"] in seen:
            problems.append(f"neighbours: {item!r} ({found['la_name']}) is listed twice")
        else:
            seen.add(found["la_code"])
    return problems


@dataclass(frozen=True)
class Comparator:
    """One published comparator of a DfE timeliness KPI for one calendar year."""

    label: str
    """How the pack names it: ``England``, ``East of England (region)``, ``Luton (DfE)``,
    ``Statistical neighbours (10, pooled)``."""
    kind: str
    """``england``, ``region``, ``authority`` or ``neighbours``."""
    year: int
    numerator: int | None
    denominator: int | None
    value: float | None
    """The percentage: as published for one area, the pooled numerator over the pooled
    denominator for neighbours (``None``: DfE published ``x``)."""
    note: str = ""
    """What the figure is made of, when more than one area (which neighbours, which left out)."""


def _one(row: pd.Series, label: str, kind: str, kpi_id: str) -> Comparator:
    num, den, pct = _MEASURE[kpi_id]
    as_int = lambda v: None if pd.isna(v) else int(v)  # noqa: E731
    return Comparator(label, kind, int(row["year"]), as_int(row[num]), as_int(row[den]),
                      None if pd.isna(row[pct]) else float(row[pct]))


def dfe_comparators(
    kpi_id: str,
    year: int,
    *,
    la_code: str | None = None,
    synthetic: bool = False,
    neighbours: Sequence[str] = (),
) -> list[Comparator]:
    """England, the area's region, the area itself and its statistical neighbours, for one year.

    The region and the area's own published figure need a real ``la_code``
    (not ``synthetic``); the neighbours' figure pools their numerators and
    denominators (plans issued within 20 weeks over plans issued), leaving out
    any neighbour DfE published no figure for that year (named in ``note``).

    Parameters
    ----------
    kpi_id
        ``ehcp_20wk_excl`` or ``ehcp_20wk_incl``.
    year
        The calendar year.
    la_code, synthetic, neighbours
        As in params.

    Returns
    -------
    list of Comparator
        In the order England, region, the area (DfE's figure), neighbours; an
        area the figures do not hold for ``year`` is left out.

    Examples
    --------
    >>> found = dfe_comparators("ehcp_20wk_excl", 2024, la_code="821",
    ...                         neighbours=["E06000055", "E06000056"])
    >>> [(c.label, c.numerator, c.denominator, round(c.value, 1)) for c in found]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('England', 39407, 84866, 46.4), ('East of England (region)', 3688, 9315, 39.6),
     ('Luton (DfE)', 96, 354, 27.1), ('Statistical neighbours (2, pooled)', 530, 904, 58.6)]
    >>> [c.label for c in dfe_comparators("ehcp_20wk_excl", 2023, la_code="E10000099",
    ...                                  synthetic=True)]
    ['England']
    """
    if kpi_id not in _MEASURE:
        return []
    dfe = _load()
    dfe = dfe[dfe["year"] == year]
    out = [_one(r, "England", "england", kpi_id)
           for _, r in dfe[dfe["geographic_level"] == "National"].iterrows()]
    own = None if synthetic or not la_code else authority(la_code)
    if own is not None:
        region = dfe[(dfe["geographic_level"] == "Regional")
                     & (dfe["region_name"] == own["region_name"])]
        out += [_one(r, f"{own['region_name']} (region)", "region", kpi_id)
                for _, r in region.iterrows()]
        mine = dfe[(dfe["geographic_level"] == "Local authority")
                   & (dfe["la_code"] == own["la_code"])]
        out += [_one(r, f"{own['la_name']} (DfE)", "authority", kpi_id)
                for _, r in mine.iterrows()]
    found = [a for a in map(authority, neighbours) if a is not None]
    if found:
        num, den, _ = _MEASURE[kpi_id]
        las = dfe[dfe["geographic_level"] == "Local authority"].set_index("la_code")
        used, missing = [], []
        total_num = total_den = 0
        for a in found:
            row = las.loc[a["la_code"]] if a["la_code"] in las.index else None
            if row is None or pd.isna(row[num]) or pd.isna(row[den]) or int(row[den]) == 0:
                missing.append(a["la_name"])
                continue
            used.append(a["la_name"])
            total_num += int(row[num])
            total_den += int(row[den])
        note = (f"pooled: the plans issued within 20 weeks of {', '.join(used)} "
                "over their plans issued")
        if missing:
            note += f"; no figure for {year} from {', '.join(missing)}"
        out.append(Comparator(
            f"Statistical neighbours ({len(used)}, pooled)", "neighbours", year,
            total_num if used else None, total_den if used else None,
            100 * total_num / total_den if total_den else None, note,
        ))
    return out


def comparators_not_used(*, la_code: str | None, synthetic: bool,
                         neighbours: Sequence[str]) -> list[str]:
    """Why the pack leaves out a comparator it could have used, one sentence each.

    Examples
    --------
    >>> comparators_not_used(la_code=None, synthetic=False, neighbours=[])
    ... # doctest: +NORMALIZE_WHITESPACE
    ['Region: not supplied (no la_code in params).',
     'Statistical neighbours: not supplied (no neighbours in params).']
    >>> comparators_not_used(la_code="E10000099", synthetic=True, neighbours=["821"])
    ... # doctest: +NORMALIZE_WHITESPACE
    ["Region and the area's own published figure: not used (a synthetic area, whose code
     is not a real authority's)."]
    """
    out = []
    if synthetic:
        out.append("Region and the area's own published figure: not used (a synthetic area, "
                   "whose code is not a real authority's).")
    elif not la_code:
        out.append("Region: not supplied (no la_code in params).")
    if not neighbours:
        out.append("Statistical neighbours: not supplied (no neighbours in params).")
    return out
