from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kpi_frames import REFERRAL_DATES, day, frame

from sendreport.errors import DataValidationError
from sendreport.metrics import (
    KPI_DEFINITIONS,
    autism_13wk,
    children_waiting,
    compute_kpis,
    kpi_series,
    waiting_list,
    waits_seen,
)
from sendreport.metrics._helpers import quantiles_by

AT = "2024-06-30"
PS, PE = "2024-04-01", "2024-06-30"


def waiting(ages: list[int], service: str = "physiotherapy", **extra) -> list[dict]:
    """Referrals made ``ages`` days before AT, not yet seen."""
    return [
        {"service": service, "referral_date": day(AT, -a), "first_contact_date": None, **extra}
        for a in ages
    ]


def test_waits_126_127_364_365(values):
    out = waiting_list(frame(waiting([126, 127, 364, 365]), REFERRAL_DATES), at=AT)
    s = "physiotherapy"
    assert values(out, "wait_list", service=s) == 4
    assert values(out, "wait_over_18wk", "numerator", service=s) == 3  # 127, 364, 365
    assert values(out, "wait_over_18wk", service=s) == 75.0
    assert values(out, "wait_over_52wk", "numerator", service=s) == 1  # 365
    assert values(out, "wait_over_52wk", "denominator", service=s) == 4
    # the counts behind the percentages: referrals, with no denominator of their own
    assert values(out, "wait_over_18wk_count", service=s) == 3
    assert values(out, "wait_over_52wk_count", service=s) == 1
    assert values(out, "wait_over_18wk_count", "numerator", service=s) == 3
    assert values(out, "wait_over_52wk_count", "denominator", service=s) is None
    assert values(out, "wait_median_open_weeks", service=s) == pytest.approx((127 + 364) / 2 / 7)


@pytest.mark.parametrize(
    ("row", "on_list"),
    [
        ({"referral_date": day(AT), "first_contact_date": None}, True),  # referred on the day
        ({"referral_date": day(AT, 1), "first_contact_date": None}, False),  # the day after
        ({"referral_date": day(AT, -50), "first_contact_date": day(AT)}, False),  # seen on the day
        ({"referral_date": day(AT, -50), "first_contact_date": day(AT, 1)}, True),  # seen after
        (
            {"referral_date": day(AT, -50), "first_contact_date": None, "removed_date": day(AT)},
            False,
        ),
        (
            {"referral_date": day(AT, -50), "first_contact_date": None, "removed_date": day(AT, 1)},
            True,
        ),
        (
            {
                "referral_date": day(AT, -50),
                "first_contact_date": day(AT, 5),
                "removed_date": day(AT, -1),
            },
            False,
        ),  # removed before the (later) contact
    ],
)
def test_who_is_on_the_list(values, row, on_list):
    out = waiting_list(frame([{"service": "audiology", **row}], REFERRAL_DATES), at=AT)
    assert values(out, "wait_list", service="audiology") == (1 if on_list else 0)


def test_waits_per_service_sorted_and_a_service_with_no_referrals(values):
    rows = frame(
        waiting([10], "speech_and_language_therapy") + waiting([200, 20], "audiology"),
        REFERRAL_DATES,
    )
    out = waiting_list(rows, at=AT, services=["autism_assessment"])
    assert out["service"].unique().tolist() == [
        "audiology",
        "autism_assessment",
        "speech_and_language_therapy",
    ]
    assert values(out, "wait_list", service="autism_assessment") == 0
    assert values(out, "wait_over_18wk", service="autism_assessment") is None
    assert values(out, "wait_over_18wk", "denominator", service="autism_assessment") == 0
    assert values(out, "wait_median_open_weeks", service="autism_assessment") is None
    assert values(out, "wait_over_18wk", service="audiology") == 50.0
    assert values(out, "wait_list", service="speech_and_language_therapy") == 1


def test_a_service_whose_referrals_are_all_seen_has_an_empty_list(values):
    rows = frame(
        [
            {
                "service": "equipment",
                "referral_date": day(AT, -30),
                "first_contact_date": day(AT, -2),
            }
        ],
        REFERRAL_DATES,
    )
    out = waiting_list(rows, at=AT)
    assert values(out, "wait_list", service="equipment") == 0
    assert values(out, "wait_over_52wk", service="equipment") is None


def seen(waits_days: list[int], on: str = "2024-05-01", service: str = "physiotherapy"):
    return [
        {"service": service, "referral_date": day(on, -w), "first_contact_date": day(on)}
        for w in waits_days
    ]


def test_seen_median_and_92nd_percentile_interpolate(values):
    out = waits_seen(
        frame(seen([7, 14, 21, 28, 35]), REFERRAL_DATES), period_start=PS, period_end=PE
    )
    s = "physiotherapy"
    assert values(out, "wait_median_seen_weeks", service=s) == pytest.approx(3.0)
    # 92nd percentile of 1..5 weeks: position 0.92 * 4 = 3.68 -> 4 + 0.68 * (5 - 4)
    assert values(out, "wait_p92_seen_weeks", service=s) == pytest.approx(4.68)
    assert values(out, "wait_p92_seen_weeks", "denominator", service=s) == 5


def test_seen_counts_first_contacts_on_period_boundaries(values):
    rows = frame(
        seen([7], "2024-03-31")
        + seen([14], "2024-04-01")
        + seen([21], "2024-06-30")
        + seen([28], "2024-07-01"),
        REFERRAL_DATES,
    )
    out = waits_seen(rows, period_start=PS, period_end=PE)
    assert values(out, "wait_median_seen_weeks", "denominator", service="physiotherapy") == 2
    assert values(out, "wait_median_seen_weeks", service="physiotherapy") == pytest.approx(2.5)


def test_seen_for_a_service_with_no_one_seen(values):
    rows = frame(seen([7]) + waiting([10], "audiology"), REFERRAL_DATES)
    out = waits_seen(rows, period_start=PS, period_end=PE, services=["occupational_therapy"])
    for s in ("audiology", "occupational_therapy"):
        assert values(out, "wait_median_seen_weeks", service=s) is None
        assert values(out, "wait_p92_seen_weeks", "denominator", service=s) == 0


def test_autism_91_on_time_92_late_other_services_ignored(values):
    rows = frame(
        seen([91, 92], service="autism_assessment") + seen([10], service="audiology"),
        REFERRAL_DATES,
    )
    out = autism_13wk(rows, period_start=PS, period_end=PE)
    assert out["service"].tolist() == [""]
    assert values(out, "autism_13wk") == 50.0
    assert values(out, "autism_13wk", "denominator") == 2


def test_autism_with_no_autism_referrals(values):
    out = autism_13wk(frame(seen([10]), REFERRAL_DATES), period_start=PS, period_end=PE)
    assert values(out, "autism_13wk") is None
    assert values(out, "autism_13wk", "denominator") == 0


def test_empty_referrals_table():
    rows = frame(waiting([1]), REFERRAL_DATES).iloc[:0]
    out = waiting_list(rows, at=AT)
    assert len(out) == 0
    assert out.columns.tolist() == [
        "kpi_id",
        "service",
        "value",
        "numerator",
        "denominator",
        "lower_ci",
        "upper_ci",
    ]


def test_waits_require_columns():
    with pytest.raises(
        DataValidationError, match="waiting_list requires missing columns: first_contact_date"
    ):
        waiting_list(frame([{"service": "x", "referral_date": AT}], REFERRAL_DATES), at=AT)


def test_wilson_interval_of_a_list_percentage(values):
    out = waiting_list(frame(waiting([200, 10, 10, 10]), REFERRAL_DATES), at=AT)
    lo = values(out, "wait_over_18wk", "lower_ci", service="physiotherapy")
    hi = values(out, "wait_over_18wk", "upper_ci", service="physiotherapy")
    # Wilson 95% for 1/4, worked by hand: centre 0.3725, half-width 0.3269
    assert (round(lo, 2), round(hi, 2)) == (4.56, 69.94)
    assert not np.isnan(lo)


def referral(person: str, referred: int, contact: int | None = None, removed: int | None = None,
             service: str = "audiology") -> dict:
    """A referral of ``person`` made ``referred`` days from AT, seen or removed on those days."""
    return {
        "person_id": person,
        "service": service,
        "referral_date": day(AT, referred),
        "first_contact_date": None if contact is None else day(AT, contact),
        "removed_date": None if removed is None else day(AT, removed),
    }


def test_children_waiting_count_each_child_once(values):
    rows = frame(
        [
            referral("A", -200),  # A: two referrals waiting, one child
            referral("A", -20),
            referral("B", -30, contact=-5),  # B: seen before AT, then referred again
            referral("B", -3),
            referral("C", -40, removed=0),  # C: removed on the day, so not waiting
            referral("D", 1),  # D: referred after AT
            referral("E", -10, service="physiotherapy"),
            referral("A", -50, service="physiotherapy"),  # A again, in another service
        ],
        REFERRAL_DATES,
    )
    children = children_waiting(rows, at=AT, services=["equipment"])
    referrals = waiting_list(rows, at=AT)
    assert values(children, "wait_children", service="audiology") == 2  # A and B
    assert values(referrals, "wait_list", service="audiology") == 3  # A twice, B once
    assert values(children, "wait_children", service="physiotherapy") == 2  # E and A
    assert values(children, "wait_children", service="equipment") == 0
    assert values(children, "wait_children", "denominator", service="audiology") is None


@pytest.mark.parametrize(
    ("spans", "waiting"),
    [
        ([(-100, -50), (-50, None)], 1),  # seen on the day the next referral was made
        ([(-100, -50), (-40, -1)], 0),  # two spells, both over before AT
        ([(-100, 5), (-40, 0)], 1),  # the longer spell covers AT
        ([(-100, -200)], 0),  # a contact dated before the referral: never waiting
        ([(-100, 0), (-10, 0)], 0),  # both seen on AT itself
        ([(0, None), (0, None)], 1),  # two referrals made on AT
    ],
)
def test_a_child_with_overlapping_referrals_counts_once_or_not_at_all(values, spans, waiting):
    rows = frame([referral("A", a, contact=b) for a, b in spans], REFERRAL_DATES)
    out = children_waiting(rows, at=AT)
    assert values(out, "wait_children", service="audiology") == waiting


def test_children_waiting_at_each_month_end(values):
    # A: referred 2024-01-15, seen 2024-02-10, referred again 2024-02-20, still waiting;
    # B: referred 2024-01-31 (on the month end), removed 2024-03-31 (on the month end)
    rows = frame(
        [
            {"person_id": "A", "service": "audiology", "referral_date": "2024-01-15",
             "first_contact_date": "2024-02-10", "removed_date": None},
            {"person_id": "A", "service": "audiology", "referral_date": "2024-02-20",
             "first_contact_date": None, "removed_date": None},
            {"person_id": "B", "service": "audiology", "referral_date": "2024-01-31",
             "first_contact_date": None, "removed_date": "2024-03-31"},
        ],
        REFERRAL_DATES,
    )
    series = kpi_series({"referrals": rows}, start="2024-01-01", end="2024-04-30",
                        data_from={"referrals": "2023-01-01"})
    got = series[series["kpi_id"] == "wait_children"]["value"].tolist()
    assert got == [2.0, 2.0, 1.0, 1.0]  # Jan: A, B; Feb: A, B; Mar: A (B removed); Apr: A
    for at, expected in (("2024-01-31", 2), ("2024-02-29", 2), ("2024-03-31", 1)):
        assert values(children_waiting(rows, at=at), "wait_children", service="audiology") == (
            expected
        )


def test_children_waiting_requires_person_id():
    rows = frame(waiting([10]), REFERRAL_DATES)
    with pytest.raises(
        DataValidationError, match="children_waiting requires missing columns: person_id"
    ):
        children_waiting(rows, at=AT)
    # the suite leaves the KPI out rather than fail
    out = compute_kpis({"referrals": rows}, period_start=PS, period_end=PE)
    assert "wait_children" not in set(out["kpi_id"])
    assert "wait_over_18wk_count" in set(out["kpi_id"])


def test_count_bands_not_available_before_data_from_like_the_percentages():
    rows = frame(waiting([10, 200, 400]), REFERRAL_DATES)
    out = compute_kpis(
        {"referrals": rows},
        period_start=PS,
        period_end=PE,
        previous_period_end="2024-03-31",
        data_from={"referrals": "2023-12-01"},
    )
    by = {k: r for k, r in zip(out["kpi_id"], out.to_dict("records"), strict=True)}
    # 2024-06-30 less 127 days is in February 2024, covered; less 365 days is not
    assert by["wait_over_18wk_count"]["value"] == 2
    assert by["wait_over_18wk"]["reason"] == by["wait_over_18wk_count"]["reason"] == ""
    assert np.isnan(by["wait_over_52wk_count"]["value"])
    assert by["wait_over_52wk_count"]["reason"] == by["wait_over_52wk"]["reason"]
    assert by["wait_over_52wk_count"]["reason"].startswith("needs referrals from July 2023")
    # as at the last stocktake (2024-03-31) over 18 weeks needs November 2023: not covered
    assert np.isnan(by["wait_over_18wk_count"]["previous"])
    assert by["wait_over_18wk_count"]["previous_reason"] == by["wait_over_18wk"]["previous_reason"]
    assert by["wait_over_18wk_count"]["previous_reason"] != ""
    assert by["wait_list"]["value"] == 3


def test_wait_list_is_defined_as_referrals_and_wait_children_as_children():
    assert "referrals" in KPI_DEFINITIONS["wait_list"].title.lower()
    assert "a child referred twice to the service counts twice" in (
        KPI_DEFINITIONS["wait_list"].definition
    )
    assert KPI_DEFINITIONS["wait_children"].title == "Children waiting"
    for kpi_id in ("wait_over_18wk_count", "wait_over_52wk_count", "wait_children"):
        d = KPI_DEFINITIONS[kpi_id]
        assert (d.unit, d.improvement, d.per_service, d.monthly) == ("count", "decrease", True,
                                                                     True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(-5, 40)), min_size=0, max_size=40),
    st.booleans(),
)
def test_quantiles_by_are_pandas_quantiles(pairs, halves):
    """The waits' medians and 92nd percentiles: pandas' linear interpolation, to the last bit.

    Whole days take the packed sort; half days (``halves``) the general one; a
    missing value is left out.
    """
    keys = np.array([k for k, _ in pairs], dtype=np.intp)
    values = np.array([v / 2 if halves else float(v) for _, v in pairs])
    values[::7] = np.nan
    got = quantiles_by(keys, values, 4, (0.5, 0.92))
    for row, q in zip(got, (0.5, 0.92), strict=True):
        expected = pd.Series(values).groupby(keys).quantile(q).reindex(range(4)).to_numpy()
        np.testing.assert_array_equal(row, expected)
