"""Records an analyst should query: flagged by count and row number, never excluded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sendreport.synth import generate
from sendreport.validation import format_quality, load_data
from sendreport.validation.suspects import _crowded


def write(path, header: str, rows: list[str]):
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def flagged(loaded, table: str) -> dict[tuple[str, str], int]:
    q = loaded.quality[(loaded.quality["table"] == table)
                       & loaded.quality["rule"].str.startswith("query_")]
    return {(c, r): int(n) for c, r, n in zip(q["column"], q["rule"], q["count"], strict=True)}


def example_rows(loaded, table: str, rule: str) -> str:
    e = loaded.examples
    return e.loc[(e["table"] == table) & (e["rule"] == rule), "example_rows"].iloc[0]


REFERRAL_HEADER = "referral_id,person_id,service,referral_date,first_contact_date,removed_date"


def ordinary_referrals(n: int = 40) -> list[str]:
    """Forty children, each referred once in 2024 and seen 30 to 69 days later."""
    start = pd.Timestamp("2024-01-01")
    rows = []
    for i in range(n):
        referred = start + pd.Timedelta(days=5 * i)
        seen = referred + pd.Timedelta(days=30 + i)
        rows.append(f"F{i:03d},P{i:05d},audiology,{referred.date()},{seen.date()},")
    return rows


def test_one_child_with_80_open_referrals_in_blocks_of_five(tmp_path):
    rows = ordinary_referrals()
    # sixteen blocks of five identical referrals (but for the id), a month apart, all open
    for block in range(16):
        day = (pd.Timestamp("2024-01-15") + pd.DateOffset(months=block % 12)).date()
        service = "speech_and_language_therapy" if block < 12 else "autism_assessment"
        rows += [f"X{block:02d}{k},PX0042,{service},{day},," for k in range(5)]
    loaded = load_data({"referrals": write(tmp_path / "referrals.csv", REFERRAL_HEADER, rows)})
    assert flagged(loaded, "referrals") == {
        ("person_id", "query_duplicate"): 64,  # four copies in each of sixteen blocks
        ("person_id", "query_many_records"): 80,
    }
    # the first block starts on file row 42 (header on row 1, forty ordinary rows)
    assert example_rows(loaded, "referrals", "query_duplicate") == "43, 44, 45, 46, 48"
    assert example_rows(loaded, "referrals", "query_many_records") == "42, 43, 44, 45, 46"
    assert len(loaded["referrals"]) == 120  # flagged, not excluded
    text = format_quality(loaded)
    assert "person_id  query_many_records" in text
    assert "PX0042" not in text


REVIEW_HEADER = "review_id,person_id,review_due_date,review_meeting_date"


def test_twelve_annual_reviews_in_two_months(tmp_path):
    rows = [f"V{i:03d},P{i:05d},2024-{1 + i % 12:02d}-10,2024-{1 + i % 12:02d}-05"
            for i in range(40)]
    for j in range(12):  # P00001 (reviewed in February 2024 above) has twelve more in 2025
        due = pd.Timestamp("2025-01-10") + pd.Timedelta(days=5 * j)
        rows.append(f"V{100 + j},P00001,{due.date()},{(due - pd.Timedelta(days=3)).date()}")
    loaded = load_data({"reviews": write(tmp_path / "reviews.csv", REVIEW_HEADER, rows)})
    assert flagged(loaded, "reviews") == {("person_id", "query_many_records"): 12}
    assert example_rows(loaded, "reviews", "query_many_records") == "42, 43, 44, 45, 46"


REQUEST_HEADER = ("request_id,person_id,received_date,request_outcome,request_outcome_date,"
                  "assessment_outcome,assessment_outcome_date,plan_issued_date")


def test_requests_issued_exactly_1000_days_later_before_the_export_began(tmp_path):
    rows = []
    for i in range(60):  # monthly from January 2023, plans issued after 100 to 259 days
        received = pd.Timestamp("2023-01-03") + pd.DateOffset(months=i % 18) + pd.Timedelta(
            days=i % 20)
        issued = received + pd.Timedelta(days=100 + (i * 37) % 160)
        decided = received + pd.Timedelta(days=40)
        rows.append(f"R{i:03d},P{i:05d},{received.date()},assess,{decided.date()},issue_plan,"
                    f"{issued.date()},{issued.date()}")
    for i in range(6):  # six 2021 requests "issued" exactly 1,000 days later
        received = pd.Timestamp("2021-03-01") + pd.Timedelta(days=i)
        issued = received + pd.Timedelta(days=1000)
        rows.append(f"Z{i},Q{i:05d},{received.date()},assess,{received.date()},issue_plan,"
                    f"{issued.date()},{issued.date()}")
    loaded = load_data({"requests": write(tmp_path / "requests.csv", REQUEST_HEADER, rows)})
    assert flagged(loaded, "requests") == {
        ("assessment_outcome_date", "query_long_duration"): 6,
        ("plan_issued_date", "query_long_duration"): 6,
        ("received_date", "query_before_coverage"): 6,
    }
    assert example_rows(loaded, "requests", "query_before_coverage") == "62, 63, 64, 65, 66"
    # with data_from given, records more than a year before it are the ones to query
    loaded = load_data({"requests": tmp_path / "requests.csv"},
                       data_from={"requests": pd.Timestamp("2023-01-01").date()})
    assert flagged(loaded, "requests")[("received_date", "query_before_coverage")] == 6


def test_the_demo_data_has_nothing_to_query_but_a_few_long_waits():
    tables = generate(seed=2026)
    total = {name: 0 for name in ("requests", "reviews", "referrals")}
    from sendreport.validation.schemas import TABLES
    from sendreport.validation.suspects import query_checks

    for name in total:
        for _, rule, positions in query_checks(tables[name], name, TABLES[name].key[0]):
            assert rule == "query_long_duration", (name, rule)
            total[name] += len(positions)
    assert total["requests"] <= 0.005 * len(tables["requests"])


def _crowded_by_hand(person, dates, window, most):
    out = []
    for p, d in zip(person, dates, strict=True):
        hit = False
        if p is not None and not pd.isna(d):
            same = [e for q, e in zip(person, dates, strict=True) if q == p and not pd.isna(e)]
            # some window [s, s + window] holding d, with s one of the person's dates
            hit = any(s <= d <= s + pd.Timedelta(days=window)
                      and sum(s <= e <= s + pd.Timedelta(days=window) for e in same) > most
                      for s in same)
        out.append(hit)
    return out


@pytest.mark.parametrize("seed", range(60))
def test_crowded_windows_agree_with_a_brute_force_count(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    person = [None if rng.random() < 0.1 else f"P{int(rng.integers(0, 4))}" for _ in range(n)]
    days = rng.integers(0, 120, size=n)
    start = pd.Timestamp("2024-01-01")
    dates = [pd.NaT if rng.random() < 0.1 else start + pd.Timedelta(days=int(d)) for d in days]
    window, most = int(rng.integers(1, 60)), int(rng.integers(1, 4))
    codes = pd.factorize(pd.Series(person, dtype=object))[0].astype("int64")
    got = _crowded(codes, pd.Series(pd.to_datetime(dates)), window, most)
    assert got.tolist() == _crowded_by_hand(person, dates, window, most)
