"""Breakdowns of any KPI by any column, and the EHC pathway's stage durations.

An analyst asking "which needs wait longest?" wants the pack's own figures
split by a column, not a second definition of them. :func:`kpi_breakdown`
therefore splits the input tables by a column and runs :func:`compute_kpis`
on each part, so every figure in a breakdown is defined exactly as in
``kpis.csv``. :func:`pathway_stages` gives the weeks each request spent in
each stage of the statutory EHC process as a tidy frame for charts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sendreport.errors import ParameterError
from sendreport.metrics._helpers import DateLike
from sendreport.metrics.compute import KPI_COLUMNS, REASON_COLUMNS, compute_kpis
from sendreport.metrics.coverage import resolve_data_from

__all__ = ["AGE_BANDS", "STAGES", "age_band", "kpi_breakdown", "pathway_stages"]

AGE_BANDS = ("under 5", "5 to 10", "11 to 15", "16 to 19", "20 to 25", "over 25")
"""Age bands at request, as DfE's SEN2 statistics publish them (age in whole years)."""

STAGES = (
    ("request_to_decision", "received_date", "request_outcome_date"),
    ("decision_to_outcome", "request_outcome_date", "assessment_outcome_date"),
    ("outcome_to_plan", "assessment_outcome_date", "plan_issued_date"),
    ("request_to_plan", "received_date", "plan_issued_date"),
)
"""Stages of the EHC pathway: name, start column, end column (SPEC 4.1 dates)."""

_DERIVED = {"age_band": "requests"}
_TABLE_KPIS = {
    "requests": ("ehcp_",),
    "reviews": ("ar_",),
    "referrals": ("wait_", "autism_"),
}


def age_band(requests: pd.DataFrame) -> pd.Series:
    """Age band at request (:data:`AGE_BANDS`) from ``date_of_birth`` and ``received_date``.

    Parameters
    ----------
    requests
        Requests with ``date_of_birth`` and ``received_date`` (datetime columns).

    Returns
    -------
    pandas.Series
        Ordered categorical, missing where the date of birth is missing.

    Examples
    --------
    >>> r = pd.DataFrame({"date_of_birth": pd.to_datetime(["2019-06-01", "2012-06-02", None]),
    ...                   "received_date": pd.to_datetime(["2024-06-01"] * 3)})
    >>> age_band(r).tolist()
    ['5 to 10', '11 to 15', nan]
    """
    born = requests["date_of_birth"]
    on = requests["received_date"]
    years = on.dt.year - born.dt.year
    before_birthday = (on.dt.month < born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day < born.dt.day)
    )
    age = (years - before_birthday.astype("int64")).astype("float64").where(born.notna())
    bands = pd.cut(age, [-np.inf, 4, 10, 15, 19, 25, np.inf], labels=list(AGE_BANDS))
    return bands.rename("age_band")


def kpi_breakdown(
    tables: Mapping[str, pd.DataFrame],
    by: str,
    *,
    period_start: DateLike,
    period_end: DateLike,
    kpis: Sequence[str] | None = None,
    previous_period_end: DateLike | None = None,
    data_from: Mapping[str, DateLike] | None = None,
) -> pd.DataFrame:
    """Every KPI (or the ones named) for each value of a column, defined as in ``kpis.csv``.

    The table that holds ``by`` is split by its values and :func:`compute_kpis`
    runs on each part with the other tables left whole, so a KPI of another
    table is the same in every group and is left out. ``by="age_band"`` is
    derived from the requests' dates (:func:`age_band`). For a breakdown by
    month use :func:`sendreport.metrics.kpi_series`; for services, the
    per-service KPIs already carry ``service``.

    Parameters
    ----------
    tables
        Validated tables by name, as :func:`compute_kpis` takes them.
    by
        A column of one table, e.g. ``primary_need``, ``request_source`` or
        ``age_band``.
    period_start, period_end
        The period, both days included.
    kpis
        KPI ids to keep (default: every KPI of the split table).
    previous_period_end
        As in :func:`compute_kpis`.
    data_from
        As in :func:`compute_kpis`; a table not named covers from its whole
        (unsplit) data, so every group has the same coverage.

    Returns
    -------
    pandas.DataFrame
        ``by`` then :data:`~sendreport.metrics.compute.KPI_COLUMNS`, one row per
        group and KPI, groups in sorted order (missing values as ``"not recorded"``).
        Not suppressed: pass it through :func:`sendreport.disclosure.suppress_kpis`
        before it leaves the partnership.

    Raises
    ------
    ParameterError
        If no table has the column ``by``.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2024-01-02", "2024-01-02", "2023-06-01"]),
    ...     "plan_issued_date": pd.to_datetime(["2024-03-01", "2024-06-01", "2024-02-01"]),
    ...     "primary_need": ["ASD", "ASD", "SEMH"]})
    >>> b = kpi_breakdown({"requests": r}, "primary_need", kpis=["ehcp_20wk_excl"],
    ...                   period_start="2024-01-01", period_end="2024-06-30",
    ...                   data_from={"requests": "2023-06-01"})
    >>> b[["primary_need", "kpi_id", "value", "numerator", "denominator"]]
      primary_need          kpi_id  value  numerator  denominator
    0          ASD  ehcp_20wk_excl   50.0          1            2
    1         SEMH  ehcp_20wk_excl    0.0          0            1
    """
    source = _table_with(tables, by)
    table = tables[source]
    column = age_band(table) if by == "age_band" and by not in table else table[by]
    labels = column.astype("string").fillna("not recorded")
    coverage = resolve_data_from(tables, data_from)  # of the whole tables, not of each group
    parts = []
    for value in sorted(labels.unique()):
        part = dict(tables)
        part[source] = table.loc[(labels == value).to_numpy()].reset_index(drop=True)
        kpi = compute_kpis(
            part,
            period_start=period_start,
            period_end=period_end,
            previous_period_end=previous_period_end,
            data_from=coverage,
        )
        kpi = kpi[kpi["kpi_id"].isin(_kpis_of(tables, source, kpi["kpi_id"]))]
        parts.append(kpi.assign(**{by: value}))
    out = pd.concat(parts, ignore_index=True)
    if kpis is not None:
        out = out[out["kpi_id"].isin(kpis)]
    return out[[by, *KPI_COLUMNS, *REASON_COLUMNS]].reset_index(drop=True)


def pathway_stages(requests: pd.DataFrame, *, by: Sequence[str] = ()) -> pd.DataFrame:
    """Weeks each request spent in each stage of the EHC pathway, one row per request and stage.

    A stage counts only when both of its dates are recorded and the request
    reached it (``decision_to_outcome`` for requests assessed,
    ``outcome_to_plan`` and ``request_to_plan`` for plans issued). Weeks are
    whole days divided by 7, unrounded. No identifier is kept.

    Parameters
    ----------
    requests
        Validated requests (SPEC 4.1).
    by
        Columns of ``requests`` to carry (e.g. ``primary_need``, ``exception_20wk``);
        ``age_band`` is derived when asked for.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, then ``stage`` (ordered as :data:`STAGES`),
        ``start``, ``end``, ``days``, ``weeks``.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2024-01-01"]),
    ...     "request_outcome": ["assess"],
    ...     "request_outcome_date": pd.to_datetime(["2024-02-12"]),
    ...     "assessment_outcome": ["issue_plan"],
    ...     "assessment_outcome_date": pd.to_datetime(["2024-04-01"]),
    ...     "plan_issued_date": pd.to_datetime(["2024-05-13"])})
    >>> pathway_stages(r)[["stage", "days", "weeks"]]
                     stage  days  weeks
    0  request_to_decision    42    6.0
    1  decision_to_outcome    49    7.0
    2      outcome_to_plan    42    6.0
    3      request_to_plan   133   19.0
    """
    frame = requests
    if "age_band" in by and "age_band" not in frame:
        frame = frame.assign(age_band=age_band(frame))
    missing = [c for c in by if c not in frame]
    if missing:
        raise ParameterError(f"pathway_stages: requests have no column {', '.join(missing)}")
    rows = []
    for stage, start, end in STAGES:
        if start not in frame or end not in frame:
            continue
        keep = frame[start].notna() & frame[end].notna()
        if stage == "request_to_decision" and "request_outcome" in frame:
            keep &= frame["request_outcome"].isin(["assess", "not_assess"])
        if stage == "decision_to_outcome" and "request_outcome" in frame:
            keep &= frame["request_outcome"].eq("assess")
        part = frame.loc[keep, [*by, start, end]].rename(columns={start: "start", end: "end"})
        part.insert(len(by), "stage", stage)
        rows.append(part)
    if not rows:
        raise ParameterError("pathway_stages: requests need received_date and an outcome date")
    out = pd.concat(rows, ignore_index=True)
    out["days"] = (out["end"] - out["start"]).dt.days.astype("int64")
    out["weeks"] = out["days"] / 7
    out["stage"] = pd.Categorical(out["stage"], [s for s, _, _ in STAGES], ordered=True)
    return out


def _table_with(tables: Mapping[str, pd.DataFrame], column: str) -> str:
    for name, table in tables.items():
        if column in table:
            return name
    if column in _DERIVED and _DERIVED[column] in tables:
        return _DERIVED[column]
    found = {name: sorted(t.columns) for name, t in tables.items()}
    raise ParameterError(f"kpi_breakdown: no table has the column {column!r}; tables: {found}")


def _kpis_of(tables: Mapping[str, pd.DataFrame], source: str, ids: pd.Series) -> set[str]:
    """KPI ids computed from the split table (the others are the same in every group)."""
    if source in _TABLE_KPIS:
        return {k for k in ids if k.startswith(_TABLE_KPIS[source])}
    # measures: every measure id comes from its own rows; plan actions from no table
    others = (*(p for ps in _TABLE_KPIS.values() for p in ps), "actions_")
    return {k for k in ids if not k.startswith(others)}
