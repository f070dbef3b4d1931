"""params/demo-sen2.yaml through the notebook: a real pack from synthetic SEN2 returns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sendreport.metrics import compute_kpis
from sendreport.run.pipeline import run_report
from sendreport.synth import write_synthetic
from sendreport.validation import load_data

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_sen2_params_run_through_the_notebook(synthetic, tmp_path):
    data = tmp_path / "data" / "demo"
    write_synthetic(data)
    for path in synthetic["xml"]:
        shutil.copy(path, data / path.name)
    params = tmp_path / "params" / "demo-sen2.yaml"
    params.parent.mkdir()
    raw = yaml.safe_load((ROOT / "params" / "demo-sen2.yaml").read_text(encoding="utf-8"))
    raw["notebook"] = str(ROOT / "notebooks" / "stocktake.ipynb")
    raw["plan"] = str(ROOT / "params" / "plans" / "demoshire-pap.yaml")
    params.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = run_report(params, output_dir=tmp_path / "out", pdf=False)
    kpis = pd.read_csv(result.output_folder / "kpis.csv")
    loaded = load_data({"sen2": [data / p.name for p in synthetic["xml"]]})
    expected = compute_kpis(loaded.tables, period_start="2024-07-01", period_end="2024-12-31")
    ehcp = kpis[kpis["kpi_id"].isin(expected["kpi_id"])]
    assert set(ehcp["kpi_id"]) == set(expected["kpi_id"])
    shown = ehcp.set_index("kpi_id")
    for row in expected.itertuples():
        if not shown.loc[row.kpi_id, "suppressed"]:
            assert shown.loc[row.kpi_id, "value"] == pytest.approx(row.value)
    assert not {"ar_meeting_on_time", "ar_overdue"} & set(
        kpis.loc[kpis["value"].notna(), "kpi_id"])
    html = (result.output_folder / "report.html").read_text(encoding="utf-8")
    assert "Demoshire (SEN2)" in html
    quality = pd.read_csv(result.output_folder / "data_quality.csv")
    assert "historical_chain" in set(quality["rule"])
    # Appendix B says what a historical chain counts, and names the rules in words
    assert "Historical chain (H), not activity" in html and "each return that repeats it" in html
    assert "Exported to another local authority" in html and "another la<" not in html
    # Appendix A's sources say the figures came from the returns, not a casework table
    assert "own SEN2 returns (their requests), computed as DfE" in html
    assert "(requests table)" not in html
