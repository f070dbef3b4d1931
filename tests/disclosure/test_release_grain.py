"""The series by quarter (SPEC 7, coarser periods): the release's quarters, checked by hand.

``_series_at_grain`` forms every quarter of the coarsened families in one pass;
here a plain loop over each series and quarter, written from the rule as the
release module's docstring gives it, says what each quarter must be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from sendreport.disclosure.release import _series_at_grain
from sendreport.metrics.coverage import NotAvailable

FAMILY = {
    "ehcp_20wk_excl": "issued",
    "ehcp_20wk_incl": "issued",
    "wait_over_18wk": "waiting",  # as at a date
    "wait_list": "waiting",  # as at a date
    "survey": "measure:survey",  # a measure is its own family
}
"""The family of each KPI drawn here (``sendreport.disclosure.links``)."""
AS_AT = {"wait_over_18wk", "wait_list"}
MONTHS = pd.date_range("2024-01-01", "2024-09-01", freq="MS")
STATES = [
    ("", None),
    ("nothing to measure", NotAvailable.NOTHING_TO_MEASURE),
    ("needs requests from April 2023; the data cover from June 2024",
     NotAvailable.HISTORY_NEEDED),
    ("no referrals table given", NotAvailable.TABLE_NOT_GIVEN),
]
"""A month's ``reason`` and ``not_available``: a figure, none to measure, two not covered."""


def monthly_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """The series as ``disclose_release`` hands it on: a month's span, grain ``month``."""
    frame = pd.DataFrame(rows)
    frame = frame.assign(numerator=frame["numerator"].astype("Int64"),
                         denominator=frame["denominator"].astype("Int64"), grain="month",
                         span_first=frame["month"],
                         span_last=frame["month"] + pd.offsets.MonthEnd(0))
    return frame[[c for c in columns if c in frame]]


COLUMNS = ["kpi_id", "service", "month", "value", "numerator", "denominator", "lower_ci",
           "upper_ci", "reason", "not_available", "grain", "span_first", "span_last"]


@st.composite
def monthly_series(draw):
    """A few series (KPI, service) of months in order, interleaved, and families to coarsen."""
    keys = draw(st.lists(st.tuples(st.sampled_from(sorted(FAMILY)), st.sampled_from(["", "a"])),
                         min_size=1, max_size=4, unique=True))
    queues = []
    for kpi_id, service in keys:
        months = sorted(draw(st.sets(st.integers(0, len(MONTHS) - 1), min_size=1, max_size=6)))
        queue = []
        for m in months:
            den = draw(st.one_of(st.none(), st.integers(0, 9)))
            num = draw(st.one_of(st.none(), st.integers(0, den or 0)))
            reason, kind = draw(st.sampled_from(STATES))
            queue.append({"kpi_id": kpi_id, "service": service, "month": MONTHS[m],
                          "value": draw(st.sampled_from([np.nan, 0.0, 12.5, 40.0])),
                          "numerator": num, "denominator": den,
                          "lower_ci": draw(st.sampled_from([np.nan, 1.5])), "upper_ci": 9.5,
                          "reason": reason, "not_available": kind})
        queues.append(queue)
    rows = []
    while any(queues):
        waiting = [q for q in queues if q]
        rows.append(waiting[draw(st.integers(0, len(waiting) - 1))].pop(0))
    # kpi_series gives reason and not_available; a hand-made series may have neither
    dropped = draw(st.sampled_from([(), ("not_available",), ("reason", "not_available")]))
    families = {(FAMILY[k], s) for k, s in keys}
    quarterly = draw(st.sets(st.sampled_from(sorted(families))))
    return monthly_frame(rows, [c for c in COLUMNS if c not in dropped]), quarterly


def by_quarter(monthly: pd.DataFrame, quarterly: set) -> pd.DataFrame:
    """The reference: each series of a family in ``quarterly`` quarter by quarter, in a loop."""
    if not quarterly:
        return monthly
    has_reason = "reason" in monthly
    kept, quarters, first_seen = [], {}, {}
    for row in monthly.to_dict("records"):
        first_seen.setdefault((row["kpi_id"], row["service"]), len(first_seen))
        if (FAMILY[row["kpi_id"]], row["service"]) not in quarterly:
            kept.append(row)
            continue
        start = row["month"].to_period("Q").start_time
        quarters.setdefault((row["kpi_id"], row["service"], start), []).append(row)
    for (kpi_id, _, start), months in quarters.items():
        if kpi_id in AS_AT:  # the last month's count, as at its end
            row = dict(months[-1], span_first=months[-1]["span_last"])
        else:
            nums = [m["numerator"] for m in months if not pd.isna(m["numerator"])]
            dens = [m["denominator"] for m in months if not pd.isna(m["denominator"])]
            num, den = (sum(nums) if nums else None), (sum(dens) if dens else None)
            value = 100 * num / den if den and num is not None else np.nan
            row = dict(months[0], value=value, numerator=num, denominator=den,
                       lower_ci=np.nan, upper_ci=np.nan, span_first=months[0]["month"],
                       span_last=months[-1]["span_last"])
        row.update(month=start, grain="quarter")
        if has_reason:
            gaps = [m for m in months if m.get("not_available") not in (
                None, NotAvailable.NOTHING_TO_MEASURE)]
            row["reason"] = gaps[0]["reason"] if gaps else ""
            row["not_available"] = gaps[0]["not_available"] if gaps else None
            if row["reason"]:
                row.update(value=np.nan, numerator=None, denominator=None)
            elif kpi_id not in AS_AT and row["denominator"] == 0:
                row.update(reason="nothing to measure",
                           not_available=NotAvailable.NOTHING_TO_MEASURE)
        kept.append(row)
    kept.sort(key=lambda r: (first_seen[(r["kpi_id"], r["service"])], r["month"]))
    out = pd.DataFrame(kept, columns=monthly.columns)
    return out.astype({c: t for c, t in monthly.dtypes.items() if c != "not_available"})


@settings(max_examples=100, deadline=None, derandomize=True)
@given(monthly_series())
def test_the_quarters_are_the_sums_of_their_months_or_the_last_month_as_at_a_date(drawn):
    monthly, quarterly = drawn
    assert_frame_equal(_series_at_grain(monthly, quarterly), by_quarter(monthly, quarterly),
                       check_dtype=False)


def test_a_quarter_with_a_month_not_covered_is_not_available_and_an_empty_one_is_said():
    # Plans issued: January 1 of 2, February none, March not covered; April 0 of 0.
    # Waiting list (as at a date): 7 at the end of January, 9 at the end of February.
    not_covered = STATES[2]
    rows = [
        {"kpi_id": "ehcp_20wk_excl", "month": MONTHS[0], "numerator": 1, "denominator": 2,
         "state": STATES[0]},
        {"kpi_id": "ehcp_20wk_excl", "month": MONTHS[1], "numerator": 0, "denominator": 0,
         "state": STATES[1]},
        {"kpi_id": "ehcp_20wk_excl", "month": MONTHS[2], "numerator": None,
         "denominator": None, "state": not_covered},
        {"kpi_id": "ehcp_20wk_excl", "month": MONTHS[3], "numerator": 0, "denominator": 0,
         "state": STATES[1]},
        {"kpi_id": "wait_list", "month": MONTHS[0], "numerator": None, "denominator": None,
         "state": STATES[0], "value": 7.0},
        {"kpi_id": "wait_list", "month": MONTHS[1], "numerator": None, "denominator": None,
         "state": STATES[0], "value": 9.0},
    ]
    monthly = monthly_frame([{"service": "", "value": np.nan, "lower_ci": np.nan,
                              "upper_ci": np.nan, **r, "reason": r["state"][0],
                              "not_available": r["state"][1]} for r in rows], COLUMNS)
    out = _series_at_grain(monthly, {("issued", ""), ("waiting", "")})
    assert out["month"].tolist() == [MONTHS[0], MONTHS[3], MONTHS[0]]
    assert out["reason"].tolist() == [not_covered[0], "nothing to measure", ""]
    assert out["not_available"].tolist() == [not_covered[1], NotAvailable.NOTHING_TO_MEASURE,
                                             None]
    assert out["numerator"].isna().tolist() == [True, False, True]
    assert out["value"].tolist()[2] == 9.0  # the waiting list as at the end of February
    assert out["span_first"].tolist()[2] == pd.Timestamp("2024-02-29")
