"""EHC needs assessment and plan KPIs from the ``requests`` table (SPEC 4.1, 5).

Timeliness follows DfE's SEN2 measure: a plan is on time when it is issued
within 20 weeks (140 days) of the request being received; plans where a
statutory exception applied (``exception_20wk``) are left out of the headline
``ehcp_20wk_excl``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sendreport.metrics._helpers import (
    Columns,
    DateLike,
    Periods,
    as_columns,
    as_timestamp,
    check_columns,
    count_by,
    count_open,
    count_rows,
    count_split,
    finish,
    percentage_rows,
    single_period,
    statistic_rows,
)

__all__ = ["ehcp_decisions", "ehcp_open_over_20wk", "ehcp_requests", "ehcp_timeliness"]

TIMELINESS_REQUIRED = ("received_date", "plan_issued_date")
REQUESTS_REQUIRED = ("received_date",)
DECISIONS_REQUIRED = ("received_date", "request_outcome", "request_outcome_date")
OPEN_REQUIRED = ("received_date", "request_outcome", "request_outcome_date")

WEEKS_20 = 140
WEEKS_52 = 364
WEEKS_6 = 42


def timeliness_by_period(requests: Columns, periods: Periods) -> list[pd.DataFrame]:
    received = requests.days("received_date")
    issued = requests.days("plan_issued_date")
    period = periods.locate(issued)
    wait = issued - received
    excl = ~requests.flags("exception_20wk")
    k = len(periods)
    # one count per (exception-free or not, band, period): band 0 within 20 weeks,
    # 1 within 52, 2 over 52 (a missing wait has no period, so is never counted)
    band = (wait > WEEKS_20).astype(np.intp) + (wait > WEEKS_52)
    counts = count_split(period, excl * 3 + band, 6, k)
    within_excl, within_all = counts[3:4], counts[0:1] + counts[3:4]
    plans_excl = counts[3:].sum(axis=0, keepdims=True)
    plans_all = plans_excl + counts[:3].sum(axis=0, keepdims=True)
    in_excl = (period >= 0) & excl
    # whole days summed exactly and divided once: 5033 days over 20 plans is 35.95 weeks
    days_sum = np.bincount(period[in_excl], weights=wait[in_excl], minlength=k).reshape(1, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_weeks = days_sum / (7 * plans_excl)
    return [
        percentage_rows("ehcp_20wk_excl", within_excl, plans_excl),
        percentage_rows("ehcp_20wk_incl", within_all, plans_all),
        count_rows("ehcp_issued", plans_all),
        percentage_rows("ehcp_20_52wk_excl", counts[4:5], plans_excl),
        percentage_rows("ehcp_over_52wk_excl", counts[5:6], plans_excl),
        statistic_rows("ehcp_mean_weeks_excl", mean_weeks, plans_excl),
    ]


def requests_by_period(requests: Columns, periods: Periods) -> list[pd.DataFrame]:
    period = periods.locate(requests.days("received_date"))
    zero = np.zeros(len(requests), dtype="int64")
    return [count_rows("ehcp_requests", count_by(zero, period, 1, len(periods)))]


def decisions_by_period(requests: Columns, periods: Periods) -> list[pd.DataFrame]:
    decided = requests.days("request_outcome_date")
    decision = requests.isin("request_outcome", ("assess", "not_assess"))
    period = np.where(decision, periods.locate(decided), -1)
    on_time = (decided - requests.days("received_date")) <= WEEKS_6
    late, timely = count_split(period, on_time, 2, len(periods))
    agreed = np.where(requests.isin("request_outcome", ("assess",)), period, -1)
    zero = np.zeros(len(requests), dtype="int64")
    return [
        percentage_rows("ehcp_decision_6wk", timely[None], (late + timely)[None]),
        count_rows("ehcp_assessments_agreed", count_by(zero, agreed, 1, len(periods))),
    ]


def closed_date(requests: pd.DataFrame | Columns) -> np.ndarray:
    """Day number on which each request stopped being open (``NaN`` while still open).

    A request closes on the earliest of: its plan's issue date; the date of a
    decision not to assess or of a withdrawal at the request stage; the date
    of a decision not to issue a plan, of a withdrawal during assessment, or
    of an outcome to issue a plan whose ``plan_issued_date`` is missing. A
    decision to issue whose plan has an issue date does not close the request:
    it stays open until the plan is issued (as at a date, from event dates
    alone, SPEC 5).
    """
    requests = as_columns(requests)
    return requests.memo("closed_date", lambda: _closed_date(requests))  # type: ignore[return-value]


def _closed_date(requests: Columns) -> np.ndarray:
    request_date = requests.days("request_outcome_date")
    assessment_date = requests.days("assessment_outcome_date")
    issued = requests.days("plan_issued_date")
    # fmin ignores missing dates: the earliest closing date, or NaN while open
    return np.fmin.reduce(
        [
            issued,
            np.where(
                requests.isin("request_outcome", ("not_assess", "withdrawn")), request_date, np.nan
            ),
            np.where(
                requests.isin("assessment_outcome", ("not_issue_plan", "withdrawn")),
                assessment_date,
                np.nan,
            ),
            # an outcome to issue closes the request at its plan's issue date when there is one
            np.where(
                requests.isin("assessment_outcome", ("issue_plan",)) & np.isnan(issued),
                assessment_date,
                np.nan,
            ),
        ]
    )


def open_by_period(requests: Columns, periods: Periods) -> list[pd.DataFrame]:
    since = requests.days("received_date") + WEEKS_20 + 1
    span = periods.open_at_ends(since, closed_date(requests))
    zero = np.zeros(len(requests), dtype="int64")
    return [count_rows("ehcp_open_over_20wk", count_open(zero, span, 1, len(periods)))]


def ehcp_timeliness(
    requests: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Timeliness of EHC plans issued in a period (``plan_issued_date`` in the period).

    Computes ``ehcp_20wk_excl``, ``ehcp_20wk_incl``, ``ehcp_issued``,
    ``ehcp_20_52wk_excl``, ``ehcp_over_52wk_excl`` and ``ehcp_mean_weeks_excl``.
    A plan is within 20 weeks when ``d(received_date, plan_issued_date) <= 140``.

    Parameters
    ----------
    requests
        Needs ``received_date`` and ``plan_issued_date``; ``exception_20wk``
        (missing means false) is optional.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        ``kpi_id, service, value, numerator, denominator, lower_ci, upper_ci``:
        percentages 0-100 with Wilson 95% limits, the count as ``value`` and
        ``numerator``, the mean weeks with the number of plans as
        ``denominator``. Values are ``NaN`` when no plan was issued.

    Raises
    ------
    DataValidationError
        If a required column is missing.
    ParameterError
        If the period ends before it starts.

    Examples
    --------
    Two plans issued in March, one on day 140 and one on day 141:

    >>> r = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2024-01-01", "2023-12-31"]),
    ...     "plan_issued_date": pd.to_datetime(["2024-05-20", "2024-05-20"]),
    ... })
    >>> out = ehcp_timeliness(r, period_start="2024-05-01", period_end="2024-05-31")
    >>> out[["kpi_id", "value", "numerator", "denominator"]].head(3)
               kpi_id  value  numerator  denominator
    0  ehcp_20wk_excl   50.0          1            2
    1  ehcp_20wk_incl   50.0          1            2
    2     ehcp_issued    2.0          2         <NA>
    """
    check_columns(requests, TIMELINESS_REQUIRED, "ehcp_timeliness")
    return finish(
        timeliness_by_period(as_columns(requests), single_period(period_start, period_end))
    )


def ehcp_requests(
    requests: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Count requests for an EHC needs assessment received in a period (``ehcp_requests``).

    Parameters
    ----------
    requests
        Needs ``received_date``.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        One row, ``kpi_id`` ``ehcp_requests``, the count as ``value`` and ``numerator``.

    Examples
    --------
    >>> r = pd.DataFrame({"received_date": pd.to_datetime(["2024-04-01", "2024-03-31"])})
    >>> ehcp_requests(r, period_start="2024-04-01", period_end="2025-03-31")["value"].tolist()
    [1.0]
    """
    check_columns(requests, REQUESTS_REQUIRED, "ehcp_requests")
    return finish(
        requests_by_period(as_columns(requests), single_period(period_start, period_end))
    )


def ehcp_decisions(
    requests: pd.DataFrame, *, period_start: DateLike, period_end: DateLike
) -> pd.DataFrame:
    """Percentage of decisions whether to assess made within 6 weeks (``ehcp_decision_6wk``).

    Decisions are requests with ``request_outcome`` ``assess`` or ``not_assess``
    and ``request_outcome_date`` in the period; on time when
    ``d(received_date, request_outcome_date) <= 42``. Withdrawn and ongoing
    requests are not decisions.

    Parameters
    ----------
    requests
        Needs ``received_date``, ``request_outcome`` and ``request_outcome_date``.
    period_start, period_end
        The period, both days included.

    Returns
    -------
    pandas.DataFrame
        One row with numerator, denominator and Wilson 95% limits.

    Examples
    --------
    >>> r = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
    ...     "request_outcome": ["assess", "not_assess", "withdrawn"],
    ...     "request_outcome_date": pd.to_datetime(["2024-02-12", "2024-02-13", "2024-01-05"]),
    ... })
    >>> d = ehcp_decisions(r, period_start="2024-01-01", period_end="2024-03-31")
    >>> d[["kpi_id", "value", "numerator", "denominator"]].to_numpy().tolist()
    [['ehcp_decision_6wk', 50.0, 1, 2], ['ehcp_assessments_agreed', 1.0, 1, <NA>]]
    """
    check_columns(requests, DECISIONS_REQUIRED, "ehcp_decisions")
    return finish(
        decisions_by_period(as_columns(requests), single_period(period_start, period_end))
    )


def ehcp_open_over_20wk(requests: pd.DataFrame, *, at: DateLike) -> pd.DataFrame:
    """Count requests open at ``at`` for more than 20 weeks (``ehcp_open_over_20wk``).

    Open means received on or before ``at`` and not closed on or before it
    (no plan issued, not withdrawn, no decision not to assess or not to issue;
    see :func:`closed_date`), with ``d(received_date, at) > 140``.

    Parameters
    ----------
    requests
        Needs ``received_date``, ``request_outcome`` and ``request_outcome_date``;
        ``assessment_outcome``, ``assessment_outcome_date`` and
        ``plan_issued_date`` are used when present.
    at
        The date of the snapshot (the period end).

    Returns
    -------
    pandas.DataFrame
        One row, the count as ``value`` and ``numerator``.

    Examples
    --------
    Received 141 and 140 days before the snapshot, both ongoing:

    >>> r = pd.DataFrame({
    ...     "received_date": pd.to_datetime(["2023-11-11", "2023-11-12"]),
    ...     "request_outcome": ["ongoing", "ongoing"],
    ...     "request_outcome_date": pd.to_datetime([None, None]),
    ... })
    >>> ehcp_open_over_20wk(r, at="2024-03-31")["value"].tolist()
    [1.0]
    """
    check_columns(requests, OPEN_REQUIRED, "ehcp_open_over_20wk")
    when = as_timestamp(at, "at")
    return finish(open_by_period(as_columns(requests), Periods.single(when, when)))
