from __future__ import annotations

import pandas as pd
import pytest

from sendreport.errors import DataValidationError
from sendreport.metrics import measure_kpis, measure_series, measure_values


def measures(rows: list[tuple]) -> pd.DataFrame:
    """(measure_id, date, numerator, denominator, value, unit) rows."""
    df = pd.DataFrame(
        rows, columns=["measure_id", "date", "numerator", "denominator", "value", "unit"]
    )
    df["date"] = pd.to_datetime(df["date"])
    df["numerator"] = df["numerator"].astype("Int64")
    df["denominator"] = df["denominator"].astype("Int64")
    return df


TABLE = measures(
    [
        ("survey", "2024-03-31", 20, 60, None, "%"),
        ("survey", "2024-04-01", 30, 60, None, "%"),
        ("survey", "2024-06-30", 45, 60, None, "%"),
        ("survey", "2024-07-01", 50, 60, None, "%"),
        ("fte", "2024-05-01", None, None, 12.5, "FTE"),
        ("fte", "2024-06-01", None, None, 13.0, "FTE"),
        ("audit", "2023-01-01", 1, 2, None, "%"),
    ]
)


def test_latest_date_in_the_period_is_the_value():
    out = measure_kpis(TABLE, period_start="2024-04-01", period_end="2024-06-30")
    assert out["kpi_id"].tolist() == ["audit", "fte", "survey"]
    survey = out.set_index("kpi_id").loc["survey"]
    assert survey["value"] == 75.0
    assert (survey["numerator"], survey["denominator"]) == (45, 60)
    assert survey["unit"] == "%"
    assert survey["lower_ci"] < 75.0 < survey["upper_ci"]
    fte = out.set_index("kpi_id").loc["fte"]
    assert fte["value"] == 13.0
    assert pd.isna(fte["numerator"]) and pd.isna(fte["lower_ci"])
    assert fte["unit"] == "FTE"


def test_measure_with_no_date_in_the_period_is_nan():
    out = measure_kpis(TABLE, period_start="2024-04-01", period_end="2024-06-30")
    audit = out.set_index("kpi_id").loc["audit"]
    assert pd.isna(audit["value"])
    assert audit["unit"] == "%"


def test_zero_denominator_gives_nan():
    out = measure_values(measures([("m", "2024-01-01", 0, 0, None, "%")]))
    assert pd.isna(out.loc[0, "value"])


def test_series_needs_twelve_dates_in_the_window():
    twelve = [("monthly", f"2023-{m:02d}-15", m, 12, None, "%") for m in range(1, 13)]
    eleven = [("short", f"2023-{m:02d}-15", m, 12, None, "%") for m in range(1, 12)]
    out = measure_series(measures(twelve + eleven), start="2023-01-01", end="2023-12-31")
    assert out["kpi_id"].unique().tolist() == ["monthly"]
    assert out["month"].tolist() == list(pd.to_datetime([f"2023-{m:02d}-15" for m in range(1, 13)]))
    assert out["value"].iloc[5] == pytest.approx(50.0)
    out = measure_series(measures(twelve), start="2023-02-01", end="2023-12-31")
    assert out.empty


def test_measures_require_columns():
    with pytest.raises(DataValidationError, match="measures requires missing columns: unit"):
        measure_values(TABLE.drop(columns="unit"))
