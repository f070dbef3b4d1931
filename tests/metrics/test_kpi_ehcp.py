from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kpi_frames import REQUEST_DATES, day, frame

from sendreport.errors import DataValidationError, ParameterError
from sendreport.metrics import (
    ehcp_decisions,
    ehcp_open_over_20wk,
    ehcp_requests,
    ehcp_timeliness,
)
from sendreport.metrics.ehcp import closed_date

PS, PE = "2024-04-01", "2024-06-30"


def issued(waits: list[int], *, on: str = "2024-05-15", exception: list[bool] | None = None):
    """Plans issued on ``on`` after ``waits`` days."""
    exception = exception or [False] * len(waits)
    return frame(
        [
            {"received_date": day(on, -w), "plan_issued_date": day(on), "exception_20wk": e}
            for w, e in zip(waits, exception, strict=True)
        ],
        REQUEST_DATES,
    )


def test_timeliness_140_is_on_time_141_is_late(values):
    out = ehcp_timeliness(issued([140, 141]), period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl") == 50.0
    assert values(out, "ehcp_20wk_excl", "numerator") == 1
    assert values(out, "ehcp_20wk_excl", "denominator") == 2


def test_timeliness_bands_at_140_141_364_365(values):
    out = ehcp_timeliness(issued([140, 141, 364, 365]), period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl", "numerator") == 1
    assert values(out, "ehcp_20_52wk_excl", "numerator") == 2  # 141 and 364
    assert values(out, "ehcp_over_52wk_excl", "numerator") == 1  # 365
    assert values(out, "ehcp_20_52wk_excl") == 50.0
    assert values(out, "ehcp_over_52wk_excl") == 25.0
    assert values(out, "ehcp_mean_weeks_excl") == pytest.approx((140 + 141 + 364 + 365) / 7 / 4)
    assert values(out, "ehcp_mean_weeks_excl", "denominator") == 4
    assert values(out, "ehcp_mean_weeks_excl", "numerator") is None


def test_exceptions_count_only_in_the_including_measure(values):
    # two exception plans (one on time), two without (one on time)
    out = ehcp_timeliness(
        issued([100, 200, 100, 200], exception=[True, True, False, False]),
        period_start=PS,
        period_end=PE,
    )
    assert values(out, "ehcp_20wk_excl", "denominator") == 2
    assert values(out, "ehcp_20wk_incl", "denominator") == 4
    assert values(out, "ehcp_20wk_incl", "numerator") == 2
    assert values(out, "ehcp_issued") == 4
    assert values(out, "ehcp_mean_weeks_excl") == pytest.approx(300 / 7 / 2)


def test_plans_issued_on_the_first_and_last_day_are_in_the_period(values):
    rows = pd.concat(
        [
            issued([10], on="2024-03-31"),
            issued([10], on="2024-04-01"),
            issued([10], on="2024-06-30"),
            issued([10], on="2024-07-01"),
        ],
        ignore_index=True,
    )
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_issued") == 2


def test_requests_without_a_plan_are_not_in_timeliness(values):
    rows = pd.concat(
        [
            issued([50]),
            frame([{"received_date": day("2024-05-01"), "plan_issued_date": None}], REQUEST_DATES),
        ],
        ignore_index=True,
    )
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_issued") == 1


def test_empty_period_gives_nan_values_and_zero_counts(values):
    out = ehcp_timeliness(issued([50], on="2023-01-01"), period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl") is None
    assert values(out, "ehcp_20wk_excl", "denominator") == 0
    assert values(out, "ehcp_20wk_excl", "lower_ci") is None
    assert values(out, "ehcp_issued") == 0
    assert values(out, "ehcp_mean_weeks_excl") is None


def test_missing_exception_column_means_no_exceptions(values):
    rows = issued([100, 200]).drop(columns="exception_20wk")
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl") == 50.0
    assert values(out, "ehcp_20wk_excl", "denominator") == 2


def test_missing_exception_values_mean_false(values):
    rows = issued([100, 200]).astype({"exception_20wk": "object"})
    rows.loc[0, "exception_20wk"] = None
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl", "denominator") == 2


@pytest.mark.parametrize(
    "flags",
    [[True, False, None], ["true", "False", None], ["Y", "n", ""], [1, 0, None], ["1", "0", "no"]],
)
def test_exception_flags_as_booleans_or_text(values, flags):
    rows = issued([100, 100, 100])
    rows["exception_20wk"] = pd.Series(flags, dtype="object")
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_20wk_excl", "denominator") == 2


def test_timeliness_output_frame_exactly():
    out = ehcp_timeliness(issued([140, 141]), period_start=PS, period_end=PE)
    nan = np.nan
    expected = pd.DataFrame(
        {
            "kpi_id": [
                "ehcp_20wk_excl",
                "ehcp_20wk_incl",
                "ehcp_issued",
                "ehcp_20_52wk_excl",
                "ehcp_over_52wk_excl",
                "ehcp_mean_weeks_excl",
            ],
            "service": [""] * 6,
            "value": [50.0, 50.0, 2.0, 50.0, 0.0, 140.5 / 7],
            "numerator": pd.array([1, 1, 2, 1, 0, None], dtype="Int64"),
            "denominator": pd.array([2, 2, None, 2, 2, 2], dtype="Int64"),
            "lower_ci": [9.4531205, 9.4531205, nan, 9.4531205, 0.0, nan],
            "upper_ci": [90.5468795, 90.5468795, nan, 90.5468795, 65.7624193, nan],
        }
    )
    expected["kpi_id"] = expected["kpi_id"].astype("str")
    expected["service"] = expected["service"].astype("str")
    pd.testing.assert_frame_equal(out, expected, atol=1e-6)


def test_requests_counted_on_received_date_inclusive(values):
    rows = frame(
        [{"received_date": d} for d in ["2024-03-31", "2024-04-01", "2024-06-30", "2024-07-01"]],
        REQUEST_DATES,
    )
    out = ehcp_requests(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_requests") == 2
    assert values(out, "ehcp_requests", "denominator") is None


def decisions(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    """(days to decision, outcome, decision date) -> requests."""
    return frame(
        [
            {"received_date": day(on, -d), "request_outcome": o, "request_outcome_date": day(on)}
            for d, o, on in rows
        ],
        REQUEST_DATES,
    )


def test_decision_42_on_time_43_late(values):
    out = ehcp_decisions(
        decisions([(42, "assess", "2024-05-01"), (43, "not_assess", "2024-05-01")]),
        period_start=PS,
        period_end=PE,
    )
    assert (
        values(out, "ehcp_decision_6wk", "numerator"),
        values(out, "ehcp_decision_6wk", "denominator"),
    ) == (1, 2)
    assert values(out, "ehcp_decision_6wk") == 50.0


def test_withdrawn_and_ongoing_requests_are_not_decisions(values):
    rows = decisions(
        [
            (10, "assess", "2024-05-01"),
            (10, "withdrawn", "2024-05-01"),
            (10, "ongoing", "2024-05-01"),
        ]
    )
    rows.loc[2, "request_outcome_date"] = pd.NaT
    out = ehcp_decisions(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_decision_6wk", "denominator") == 1


def test_decisions_on_period_boundaries(values):
    rows = decisions(
        [
            (10, "assess", "2024-03-31"),
            (10, "assess", "2024-04-01"),
            (10, "assess", "2024-06-30"),
            (10, "assess", "2024-07-01"),
        ]
    )
    out = ehcp_decisions(rows, period_start=PS, period_end=PE)
    assert values(out, "ehcp_decision_6wk", "denominator") == 2


def test_decisions_empty_period(values):
    out = ehcp_decisions(decisions([(10, "assess", "2023-01-01")]), period_start=PS, period_end=PE)
    assert values(out, "ehcp_decision_6wk") is None
    assert values(out, "ehcp_decision_6wk", "denominator") == 0


AT = "2024-06-30"


def open_request(age: int, **extra) -> dict:
    """A request received ``age`` days before AT, ongoing unless ``extra`` says otherwise."""
    return {
        "received_date": day(AT, -age),
        "request_outcome": "ongoing",
        "request_outcome_date": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("row", "counted"),
    [
        (open_request(141), True),
        (open_request(140), False),
        (open_request(-1), False),  # received after the snapshot
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="ongoing",
            ),
            True,
        ),
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="issue_plan",
                assessment_outcome_date=day(AT),
                plan_issued_date=day(AT),
            ),
            False,
        ),  # plan issued on the day
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="issue_plan",
                assessment_outcome_date=day(AT, 1),
                plan_issued_date=day(AT, 1),
            ),
            True,
        ),  # plan issued the day after
        (open_request(200, request_outcome="withdrawn", request_outcome_date=day(AT)), False),
        (open_request(200, request_outcome="withdrawn", request_outcome_date=day(AT, 1)), True),
        (open_request(200, request_outcome="not_assess", request_outcome_date=day(AT, -10)), False),
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="not_issue_plan",
                assessment_outcome_date=day(AT, -1),
            ),
            False,
        ),
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="withdrawn",
                assessment_outcome_date=day(AT),
            ),
            False,
        ),
        (
            open_request(
                200,
                request_outcome="assess",
                request_outcome_date=day(AT, -150),
                assessment_outcome="issue_plan",
                assessment_outcome_date=day(AT, -5),
                plan_issued_date=None,
            ),
            False,
        ),  # issue outcome, plan date not recorded
    ],
)
def test_open_over_20wk_boundaries(values, row, counted):
    out = ehcp_open_over_20wk(frame([row], REQUEST_DATES), at=AT)
    assert values(out, "ehcp_open_over_20wk") == (1 if counted else 0)


def test_open_over_20wk_without_optional_assessment_columns(values):
    rows = frame(
        [
            open_request(141),
            open_request(300, request_outcome="assess", request_outcome_date=day(AT, -250)),
        ],
        REQUEST_DATES,
    )
    assert set(rows.columns) == {"received_date", "request_outcome", "request_outcome_date"}
    out = ehcp_open_over_20wk(rows, at=AT)
    assert values(out, "ehcp_open_over_20wk") == 2


def test_closed_date_takes_the_earliest_closing_event():
    rows = frame(
        [
            open_request(
                300,
                request_outcome="assess",
                request_outcome_date=day(AT, -250),
                assessment_outcome="issue_plan",
                assessment_outcome_date=day(AT, -20),
                plan_issued_date=day(AT, -30),
            ),
            open_request(300),
        ],
        REQUEST_DATES,
    )
    closed = closed_date(rows)
    assert closed[0] == (day(AT, -30) - pd.Timestamp("1970-01-01")).days
    assert np.isnan(closed[1])


def test_missing_required_columns_are_all_named():
    with pytest.raises(
        DataValidationError,
        match="ehcp_timeliness requires missing columns: received_date, "
        "plan_issued_date. Found: request_id",
    ):
        ehcp_timeliness(pd.DataFrame({"request_id": ["R1"]}), period_start=PS, period_end=PE)
    with pytest.raises(
        DataValidationError,
        match="ehcp_decisions requires missing columns: request_outcome, request_outcome_date",
    ):
        ehcp_decisions(
            frame([{"received_date": "2024-01-01"}], REQUEST_DATES), period_start=PS, period_end=PE
        )


def test_period_end_before_start_is_refused():
    with pytest.raises(
        ParameterError,
        match=r"period_end must be on or after period_start "
        r"\(2024-04-01\), not 2024-03-31",
    ):
        ehcp_requests(issued([1]), period_start="2024-04-01", period_end="2024-03-31")


def test_bad_date_argument_is_named():
    with pytest.raises(ParameterError, match="period_start must be a date .* not 'soon'"):
        ehcp_requests(issued([1]), period_start="soon", period_end=PE)
    with pytest.raises(ParameterError, match="at must be a date"):
        ehcp_open_over_20wk(frame([open_request(1)], REQUEST_DATES), at=None)


def test_input_is_not_modified():
    rows = issued([140, 141])
    before = rows.copy()
    ehcp_timeliness(rows, period_start=PS, period_end=PE)
    pd.testing.assert_frame_equal(rows, before)


def test_string_dates_in_the_table_are_read():
    rows = issued([140, 141]).astype({"received_date": "str", "plan_issued_date": "str"})
    out = ehcp_timeliness(rows, period_start=PS, period_end=PE)
    assert out.loc[0, "value"] == 50.0
