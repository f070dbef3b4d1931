"""A realistic pack's text against realistic identifiers: nothing may be reported."""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings

import numpy as np
import pandas as pd

from sendreport.errors import SendReportWarning
from sendreport.guard import check_outputs, collect_identifiers, dates_in, scan_text

PERIOD = {
    "period_start": dt.date(2024, 4, 1),
    "period_end": dt.date(2024, 9, 30),
    "reference_date": dt.date(2024, 10, 7),
    "previous_period_end": dt.date(2024, 3, 31),
    "baseline_period_start": dt.date(2022, 4, 1),
    "baseline_period_end": dt.date(2023, 3, 31),
}
PLAN_DATES = {
    "due": [dt.date(2024, 3, 31), dt.date(2024, 12, 20), dt.date(2025, 1, 31)],
    "original_due": [dt.date(2023, 11, 30)],
    "interventions": [dt.date(2023, 6, 12)],
    "evidence": [dt.date(2024, 5, 15)],
}


def synthetic_tables(n: int = 20_000) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(6)
    people = [f"P{i:06d}" for i in rng.choice(999_999, n, replace=False)]
    # dates of birth over twenty years: almost every calendar date is somebody's birthday
    dob = pd.Timestamp("2004-01-01") + pd.to_timedelta(rng.integers(0, 7_600, n), unit="D")
    requests = pd.DataFrame(
        {
            "request_id": [f"REQ{i:07d}" for i in range(n)],
            "person_id": people,
            "date_of_birth": dob,
        }
    )
    referrals = pd.DataFrame(
        {
            "referral_id": rng.integers(10_000_000, 99_999_999, n),
            "person_id": rng.choice(people, n),
        }
    )
    reviews = pd.DataFrame(
        {
            "review_id": [hashlib.sha1(str(i).encode()).hexdigest()[:12] for i in range(n)],
            "person_id": rng.choice(people, n),
        }
    )
    return {"requests": requests, "referrals": referrals, "reviews": reviews}


def report_pages() -> list[str]:
    digest = hashlib.sha256(b"requests.csv").hexdigest()
    return [
        "OFFICIAL\nDemoshire SEND Priority Action Plan\nStocktake evidence pack\n"
        "Reporting period: 1 April 2024 to 30 September 2024\n"
        "Data extracted 7 October 2024. Version 2.1 (0.1.0)\nPage 1 of 24 OFFICIAL",
        "Summary\nEHC plans issued within 20 weeks (excluding exceptions): 41.2% (157 of 381), "
        "up from 28.9% at 31 March 2024 and 6.3% in the baseline year 2022/23 (England 50.3%).\n"
        "Requests for assessment: 1,152 in the period, 15% more than a year earlier.\n"
        "Annual reviews with a decision within 4 weeks: 38.7% (n = 912). Overdue reviews: 214.\n"
        "Autism assessment: median wait 31.4 weeks; 92nd percentile 58.0 weeks; 1,038 waiting, "
        "c over 104 weeks. Speech and language therapy: 12 to 18 weeks for 45.0%.\n"
        "Page 3 of 24",
        "Measure | Latest | Baseline | Change | Target\n"
        "ehcp_20wk_excl | 41.2% (Apr-Sep 2024) | 6.3% | +12.3 pts | 60% by 31 Mar 2025\n"
        "ar_decision_4wk | 38.7% | 22.0% | +4.1 pts | 60% by 31/03/2025\n"
        "wait_list speech_and_language_therapy | 1,284 | 1,020 | +264 | 900\n"
        "Actions: 1.1 Recruit coordinators, Head of SEND, due 31/03/2024, complete. "
        "1.2 Quality assurance framework, due 20 December 2024 (was 30 November 2023), at risk.\n"
        "Recruitment of EHC coordinators (12 June 2023) marked on the chart.\n"
        "Page 7 of 24",
        "Chart: EHC plans issued within 20 weeks by month, April 2022 to September 2024. "
        "Axis: Apr 2022, Oct 2022, Apr 2023, Oct 2023, Apr 2024, 2024-09. Mean 24.8%, "
        "process limits 3.1% to 46.5%. Special cause improvement since July 2023.\n"
        "Page 12 of 24",
        "Provenance\nrequests.csv sha256 " + digest + "\nrun 2026-11-23T14:50:00Z, "
        "python 3.12.4, pandas 3.1.1, sendreport 0.1.0, git 22d2168\n"
        "LA 881, E10000014. Evidence E12 (15 May 2024). Suppressed: c; not applicable: z.\n"
        "Page 24 of 24",
    ]


def test_realistic_report_text_has_no_findings():
    ids = collect_identifiers(synthetic_tables())
    assert ids.n_identifiers > 75_000
    assert len(ids.dates_of_birth) > 6_000
    allowed = {*dates_in(PERIOD, PLAN_DATES), dt.date(2025, 3, 31), dt.date(2026, 11, 23)}
    pages = report_pages()
    html = "<html><body>" + "".join(f"<section><p>{p}</p></section>" for p in pages) + "</body>"
    # dates of birth equal to dates printed on purpose are not looked for, and no warning
    # tells the analyst so: there is nothing to act on
    with warnings.catch_warnings():
        warnings.simplefilter("error", SendReportWarning)
        check_outputs(notebook=None, html=html, pdf_text=pages, identifiers=ids, allowed=allowed)


def test_the_same_text_finds_a_leaked_row_and_unlisted_dates():
    tables = synthetic_tables()
    ids = collect_identifiers(tables)
    row = tables["requests"].iloc[123]
    dob = row["date_of_birth"].date()
    leak = f"{row['request_id']} {row['person_id']} born {dob:%d/%m/%Y}"
    findings = scan_text(
        report_pages()[2] + "\n" + leak, ids, where="report.pdf page 7", allowed=[]
    )
    kinds = {f.kind: f.count for f in findings}
    assert kinds["identifier (request_id)"] == 1
    assert kinds["identifier (person_id)"] == 1
    # without the plan's and period's dates allowed, those dates look like dates of birth too
    assert kinds["date of birth"] >= 2


FORENAMES = (
    "Grace Hope May Will Mark Rose Summer Ray Faith Joy Dawn Amber Ruby Jack Harry Page Bill "
    "Sky River Autumn Dale Glen Reed Drew Chase Hunter Mason Parker Tyler Head Plan Case"
).split()
SURNAMES = (
    "Young Green Brown White King Hill Wood Ward Clark Page Head Rich Long Day Law Shaw Week "
    "Early Rate Mean Target Send Board Review Plan Chart Data Care Health"
).split()


def named_tables(n: int = 20_000) -> dict[str, pd.DataFrame]:
    """The synthetic tables with a name for every child, drawn from words reports use."""
    tables = synthetic_tables(n)
    rng = np.random.default_rng(7)
    people = tables["requests"].assign(
        forename=rng.choice(FORENAMES, n), surname=rng.choice(SURNAMES, n)
    )
    return {**tables, "requests": people}


def manifest_text() -> str:
    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(40)]
    files = ", ".join(f'"f{i}.csv": {{"sha256": "{d}", "bytes": {i * 9_431}}}'
                      for i, d in enumerate(digests))
    return (
        '{"audience": "shared", "run_time": "2026-11-23T14:50:00+00:00", "git_commit": '
        f'"{hashlib.sha1(b"x").hexdigest()}", "inputs": {{{files}}}, '
        '"packages": {"python": "3.12.4", "pandas": "3.1.11", "numpy": "2.1.13"}}'
    )


def kpis_text() -> str:
    rows = ["kpi_id,service,period_start,period_end,value,numerator,denominator,unit"]
    rng = np.random.default_rng(8)
    for i in range(400):
        rows.append(
            f"k{i},speech_and_language_therapy,2024-04-01,2024-09-30,"
            f"{rng.normal(30, 20):.13f},{rng.integers(0, 999)},{rng.integers(0, 9999)},%"
        )
    return "\n".join(rows)


def test_demo_like_outputs_with_names_manifest_and_csvs_have_no_findings():
    ids = collect_identifiers(named_tables())
    assert ids.n_identifiers > 75_000
    allowed = {*dates_in(PERIOD, PLAN_DATES), dt.date(2025, 3, 31), dt.date(2026, 11, 23)}
    pages = [
        *report_pages(),
        # the same words, but not a capitalised forename beside a surname
        "Actions to mark young people's progress: Head of SEND; the plan board met in may. "
        "Grace, as ever. Hill Farm Road. Early help: Rate of reviews. Mean wait; Target 60%. "
        "Page 2 of 24. Case studies: review plan data; the chart shows health care.",
    ]
    # single-word names and dates of birth the report prints on purpose are not looked for,
    # and no warning says so: there is nothing for the analyst to do about them
    with warnings.catch_warnings():
        warnings.simplefilter("error", SendReportWarning)
        check_outputs(
            notebook=None,
            html=None,
            pdf_text=pages,
            identifiers=ids,
            allowed=allowed,
            files={"manifest.json": manifest_text(), "kpis.csv": kpis_text()},
        )
