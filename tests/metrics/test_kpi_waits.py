from __future__ import annotations

import numpy as np
import pytest
from kpi_frames import REFERRAL_DATES, day, frame

from sendreport.errors import DataValidationError
from sendreport.metrics import autism_13wk, waiting_list, waits_seen

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
