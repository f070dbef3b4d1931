"""Why a figure is not available: one Enum, its words chosen once, read by code as a member."""

import numpy as np
import pandas as pd

from sendreport.metrics import kpi_series
from sendreport.metrics.coverage import NotAvailable


def test_words_of_each_reason_checked_by_hand():
    t = pd.Timestamp
    assert NotAvailable.TABLE_NOT_GIVEN.describe(table="reviews") == "no reviews table given"
    assert (
        NotAvailable.COLUMNS_MISSING.describe(table="requests")
        == "the requests table lacks the columns this KPI needs"
    )
    assert (
        NotAvailable.NO_REFERRAL.describe(service="speech_and_language_therapy")
        == "no speech_and_language_therapy referral in the data"
    )
    assert (
        NotAvailable.HISTORY_NEEDED.describe(
            table="requests", needed=t("2022-11-15"), first=t("2023-02-01")
        )
        == "needs requests from November 2022; the data cover from February 2023"
    )
    assert (
        NotAvailable.HISTORY_NEEDED.describe(
            table="requests", needed=t("2023-02-10"), first=t("2023-02-01")
        )
        == "needs requests from earlier in February 2023 than the data cover"
    )
    assert NotAvailable.NOTHING_TO_MEASURE.describe() == "nothing to measure"


def test_series_gives_the_member_beside_the_words():
    requests = pd.DataFrame(
        {
            "received_date": pd.to_datetime(["2024-01-03", "2024-01-20"]),
            "plan_issued_date": pd.to_datetime(["2024-03-10", pd.NaT]),
        }
    )
    s = kpi_series({"requests": requests}, start="2024-01-01", end="2024-04-30")
    timely = s[s["kpi_id"] == "ehcp_20wk_excl"].set_index("month")
    # January to April 2024 need requests from 141 days before: before the data start
    assert (timely["not_available"] == NotAvailable.HISTORY_NEEDED).all()
    assert timely["reason"].iloc[0] == (
        "needs requests from August 2023; the data cover from January 2024"
    )
    covered = kpi_series(
        {"requests": requests},
        start="2024-01-01",
        end="2024-04-30",
        data_from={"requests": "2023-01-01"},
    )
    timely = covered[covered["kpi_id"] == "ehcp_20wk_excl"].set_index("month")
    assert timely.loc["2024-03-01", "not_available"] is None  # one plan issued in March
    assert timely.loc["2024-01-01", "not_available"] is NotAvailable.NOTHING_TO_MEASURE
    assert timely.loc["2024-01-01", "reason"] == "nothing to measure"
    assert np.isnan(timely.loc["2024-01-01", "value"])


def test_a_plan_measure_without_a_measures_table_has_a_row_saying_so():
    from sendreport.metrics import compute_kpis
    from sendreport.plan import Plan

    plan = Plan.model_validate({
        "title": "P", "type": "priority_action_plan",
        "priority_areas": [{
            "id": "PA1", "title": "T", "what_we_will_do": "x", "what_will_be_different": "y",
            "kpis": [{"id": "pcf_plan_reflects_needs",
                      "baseline": {"value": 31.5, "period": "2023"}}],
        }],
    })
    kpis = compute_kpis({}, period_start="2024-07-01", period_end="2024-12-31", plan=plan)
    row = kpis[kpis["kpi_id"] == "pcf_plan_reflects_needs"].iloc[0]
    assert pd.isna(row["value"]) and row["baseline"] == 31.5
    assert row["reason"] == NotAvailable.TABLE_NOT_GIVEN.describe(table="measures")


def test_words_read_back_to_their_member_in_every_form():
    """kpis.csv holds only the words: each form, the first month's included, finds its member."""
    from sendreport.pack.kpifacts import not_available_reason

    t = pd.Timestamp
    facts = {
        "table": "requests",
        "service": "audiology",
        "needed": t("2023-06-05"),  # in the month the data start: the "earlier in" form
        "first": t("2023-06-10"),
    }
    for member in NotAvailable:
        words = member.describe(**facts)
        assert NotAvailable.from_words(words) is member, words
        assert not_available_reason(words) is member, words
    assert NotAvailable.from_words("small: from 1 to 4") is None
