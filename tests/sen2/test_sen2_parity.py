"""A pack's figures from a synthetic SEN2 return equal those from the same records as CSV."""

from __future__ import annotations

import re

import pandas as pd
import pandas.testing as pdt
import pytest

from sendreport.metrics import compute_kpis, kpi_series
from sendreport.synth._csv import write_csv
from sendreport.validation import load_data

PERIOD = {"period_start": "2024-07-01", "period_end": "2024-12-31",
          "previous_period_end": "2024-06-30"}
BASELINE = {"period_start": "2022-04-01", "period_end": "2023-03-31"}
NO_DUE_DATES = {"ar_meeting_on_time", "ar_overdue"}


@pytest.fixture(scope="module")
def both(synthetic, tmp_path_factory):
    folder = tmp_path_factory.mktemp("same-records-csv")
    expected = synthetic["expected"]
    write_csv(expected["requests"], folder / "requests.csv")
    write_csv(expected["reviews"], folder / "reviews.csv")
    csv = load_data({"requests": folder / "requests.csv", "reviews": folder / "reviews.csv"})
    return csv, synthetic["loaded"]


def test_returns_hold_every_kind_of_record(synthetic):
    text = "\n".join(p.read_text(encoding="utf-8") for p in synthetic["xml"])
    for pattern in (r"<RequestOutcome>H</RequestOutcome>", r"<Week20>1</Week20>",
                    r"<RequestOutcome>W</RequestOutcome>", r"<AssessmentOutcome>W<",
                    r"<RequestOutcome>N</RequestOutcome>", r"<TransferLA>888</TransferLA>",
                    r"<Exported>888</Exported>", r"<CeaseDate>"):
        assert re.search(pattern, text), pattern


def test_kpis_equal_kpi_by_kpi(both):
    csv, sen2 = both
    assert len(sen2["requests"]) == len(csv["requests"]) > 3000
    assert len(sen2["reviews"]) == len(csv["reviews"]) > 3000
    for period in (PERIOD, BASELINE):
        a = compute_kpis(csv.tables, **period)
        b = compute_kpis(sen2.tables, **period)
        assert set(a["kpi_id"]) - set(b["kpi_id"]) == NO_DUE_DATES
        a = a[~a["kpi_id"].isin(NO_DUE_DATES)].reset_index(drop=True)
        pdt.assert_frame_equal(a, b)
        assert (a["denominator"].fillna(a["numerator"]) > 0).all()


def test_monthly_series_equal(both):
    csv, sen2 = both
    a = kpi_series(csv.tables, start="2022-04-01", end="2024-12-31")
    b = kpi_series(sen2.tables, start="2022-04-01", end="2024-12-31")
    a = a[~a["kpi_id"].isin(NO_DUE_DATES)].reset_index(drop=True)
    pdt.assert_frame_equal(a, b)


def test_same_request_in_two_years_counted_once(synthetic):
    one_year = load_data({"sen2": synthetic["xml"][-1]})
    two_years = load_data({"sen2": synthetic["xml"][-2:]})
    both = pd.concat([load_data({"sen2": p})["requests"] for p in synthetic["xml"][-2:]])
    # requests open at the end of 2023 are in both returns, once in the combination
    assert len(both) > len(two_years["requests"]) > len(one_year["requests"])
    assert two_years["requests"]["request_id"].is_unique
    # only a person's two requests of the same day in one return share a key
    same_day = sum(load_data({"sen2": p})["requests"][["person_id", "received_date"]]
                   .duplicated().sum() for p in synthetic["xml"][-2:])
    key = two_years["requests"][["person_id", "received_date"]]
    assert key.duplicated().sum() <= same_day


def test_historical_chains_and_transfers_stay_out_of_activity(synthetic):
    sen2 = synthetic["loaded"]
    tidy = sen2.sen2["requests"]
    historical = tidy[tidy["is_historical"]]
    assert len(historical) > 1000
    assert historical["transfer_in_la"].eq("888").sum() > 0
    assert not sen2["requests"]["request_id"].isin(historical["request_id"]).any()
    exported = tidy[tidy["exported_to_la"].eq("888")]
    assert len(exported) > 0
    assert set(exported["request_outcome"]) | set(exported["assessment_outcome"].dropna()) >= {
        "withdrawn"}
