"""Fixtures for the KPI tests."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def values():
    """Pick ``value`` by kpi_id (and service) from a family's output."""

    def pick(out: pd.DataFrame, kpi_id: str, column: str = "value", service: str = ""):
        rows = out[(out["kpi_id"] == kpi_id) & (out["service"] == service)]
        assert len(rows) == 1, f"{kpi_id}/{service}: {len(rows)} rows"
        value = rows[column].iloc[0]
        return None if pd.isna(value) else value

    return pick
