"""``split:``: one local column fills several canonical columns, from the params file alone."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from sendreport.errors import DataValidationError, ParameterError
from sendreport.inputs import load_inputs
from sendreport.pack import Pack
from sendreport.params import read_params
from sendreport.synth import write_synthetic
from sendreport.validation import format_quality, load_data

ROOT = Path(__file__).resolve().parents[2]

# the warehouse's one column for the decision to assess and the assessment's outcome
LABELS = {
    ("assess", "issue_plan"): "Assess - Issue plan",
    ("assess", "not_issue_plan"): "Assess - No plan",
    ("assess", "ongoing"): "Assess - In progress",
    ("assess", "withdrawn"): "Assess - Withdrawn",
    ("not_assess", ""): "Refused",
    ("ongoing", ""): "Open",
    ("withdrawn", ""): "Withdrawn before decision",
}
SPLIT = {"requests": {"Outcome": {
    label: {"request_outcome": request, **({"assessment_outcome": outcome} if outcome else {})}
    for (request, outcome), label in LABELS.items()}}}


def _params(folder: Path, name: str, requests: Path, **extra) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text())
    raw.update(notebook=str(ROOT / "notebooks" / "stocktake.ipynb"),
               plan=str(ROOT / "params" / "plans" / "demoshire-pap.yaml"),
               data={**{t: str(folder / f"{t}.csv") for t in ("reviews", "referrals",
                                                              "measures")},
                     "requests": str(requests)},
               **extra)
    path = folder / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def extracts(tmp_path_factory):
    """The synthetic tables, and the same requests as a warehouse extract with one column."""
    folder = tmp_path_factory.mktemp("split")
    write_synthetic(folder, seed=3)
    requests = pd.read_csv(folder / "requests.csv", dtype=str, keep_default_na=False)
    pairs = zip(requests["request_outcome"], requests["assessment_outcome"], strict=True)
    combined = requests.drop(columns=["request_outcome", "assessment_outcome"])
    combined.insert(3, "Outcome", [LABELS[p] for p in pairs])
    combined["Caseworker note"] = "see file"
    combined.to_csv(folder / "warehouse.csv", index=False)
    return folder


def test_a_combined_outcome_column_mapped_in_params_gives_the_same_kpis_csv(extracts, tmp_path):
    separate = read_params(_params(extracts, "separate.yaml", extracts / "requests.csv"))
    combined = read_params(_params(extracts, "combined.yaml", extracts / "warehouse.csv",
                                   split=SPLIT))
    written = {}
    for name, params in (("separate", separate), ("combined", combined)):
        folder = tmp_path / name
        folder.mkdir()
        Pack.from_params(params).write_tables(folder)
        written[name] = (folder / "kpis.csv").read_bytes()
    assert written["combined"] == written["separate"]
    assert written["separate"].count(b"\n") > 20


def test_validate_shows_what_the_split_gave_each_column(extracts):
    params = _params(extracts, "combined.yaml", extracts / "warehouse.csv", split=SPLIT)
    loaded = load_inputs(params)
    truth = pd.read_csv(extracts / "requests.csv", dtype=str)
    given = loaded.splits.set_index(["field", "value"])["rows"]
    for column in ("request_outcome", "assessment_outcome"):
        for value, n in truth[column].value_counts().items():
            assert given[(column, value)] == n, (column, value)
    text = format_quality(loaded).splitlines()
    start = text.index("  split Outcome:")
    assert text[start + 1].startswith("    request_outcome: assess 2,737, not_assess 1,323")
    assert text[start + 2].startswith("    assessment_outcome: issue_plan 2,186")
    assert "  columns not used: Caseworker note" in text
    # Appendix B's recode table: each key as written, what it gave, how many records
    recodes = loaded.recodes.set_index("value")
    assert recodes.loc["Refused", "canonical"] == "request_outcome: not_assess"
    assert recodes.loc["Refused", "rows"] == 1323
    assert recodes.loc["Assess - No plan", "canonical"] == (
        "request_outcome: assess, assessment_outcome: not_issue_plan")


def test_a_value_the_split_does_not_list_is_excluded_and_named(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text("Ref,Child,Received,Outcome\n" + "".join(
        f"R{i},C{i},2024-01-0{1 + i % 9},{'Open' if i else 'Lapsed'}\n" for i in range(30)))
    columns = {"requests": {"Ref": "request_id", "Child": "person_id",
                            "Received": "received_date"}}
    split = {"requests": {"Outcome": {"Open": {"request_outcome": "ongoing"},
                                      "Closed": {"request_outcome": "not_assess"}}}}
    loaded = load_data({"requests": path}, columns=columns, split=split)
    q = loaded.quality.set_index(["column", "rule"])["count"]
    assert q[("request_outcome", "unlisted_split_value")] == 1
    assert len(loaded["requests"]) == 29
    text = format_quality(loaded)
    assert "split.requests.Outcome: values not listed: 'Lapsed' (1 row)" in text
    assert "split.requests.Outcome: 'Closed' matched no value in the column" in text
    with pytest.raises(DataValidationError, match=r"rule unlisted_split_value: 1 row \(rows 2\); "
                       r"split\.requests\.Outcome: values not listed: 'Lapsed' \(1 row\)"):
        load_data({"requests": path}, columns=columns, split=split, max_excluded_share=0.01)


def test_a_split_naming_a_column_the_file_also_gives_is_refused(tmp_path):
    path = tmp_path / "requests.csv"
    path.write_text("request_id,person_id,received_date,request_outcome,Outcome\n"
                    "R1,C1,2024-01-01,assess,Open\n")
    split = {"requests": {"Outcome": {"Open": {"request_outcome": "ongoing"}}}}
    with pytest.raises(DataValidationError, match=r"column 'request_outcome' and split: "
                       r"'Outcome' both give column request_outcome \(rule: duplicate_column\)"):
        load_data({"requests": path}, split=split)
    with pytest.raises(DataValidationError, match=r"split\.requests\.Outcome: 'outcome' is not a "
                       r"column of requests"):
        load_data({"requests": path}, split={"requests": {"Outcome": {"Open": {"outcome": 1}}}})


def test_a_list_under_columns_points_to_split(params_dir):
    path = params_dir / "params.yaml"
    raw = yaml.safe_load(path.read_text())
    raw["columns"] = {"requests": {"Outcome": ["request_outcome", "assessment_outcome"]}}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ParameterError, match=r"columns\.requests: 'Outcome' is given several "
                       r"columns \(request_outcome, assessment_outcome\); .* under split: "
                       r"\{requests: \{Outcome: \{LOCAL VALUE"):
        read_params(path)


def _table(html: str, caption: str) -> list[list[str]]:
    """The cells of the one table of ``html`` with that caption, row by row."""
    import re

    [table] = [t for t in html.split("<table")[1:] if f"{caption}</caption>" in t]
    body = table.split("</table>")[0].split("<tbody>")[-1]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                    row, flags=re.DOTALL)]
            for row in body.split("<tr>")[1:]]


def test_appendix_b_prints_recodes_apart_withheld_by_the_rule_and_d_prints_mappings(extracts):
    from sendreport.pack import sections

    requests = pd.read_csv(extracts / "warehouse.csv", dtype=str, keep_default_na=False)
    appeal = requests.index[requests["Outcome"] == "Refused"][:2]
    requests.loc[appeal, "Outcome"] = "Refused (appeal)"
    requests.to_csv(extracts / "warehouse-appeal.csv", index=False)
    split = {"requests": {"Outcome": {**SPLIT["requests"]["Outcome"],
                                      "Refused (appeal)": {"request_outcome": "not_assess"}}}}
    values = {"referrals": {"service": {"Audiology": "audiology"}}}
    pack = Pack.from_params(read_params(_params(
        extracts, "appeal.yaml", extracts / "warehouse-appeal.csv", split=split, values=values)))
    html = sections.data_quality_html(pack)

    recoded = {(r[1], r[2]): (r[3], r[4]) for r in _table(
        html, "Local values recoded by the params file")}
    assert recoded[("Outcome", "Refused")] == ("request_outcome: not_assess", "1,321")
    assert recoded[("Outcome", "Assess - No plan")] == (
        "request_outcome: assess, assessment_outcome: not_issue_plan", "134")
    # 2 records: withheld, and one more beside it so that the split's total gives neither back
    assert recoded[("Outcome", "Refused (appeal)")] == ("request_outcome: not_assess", "c")
    assert sum(n == "c" for _, n in recoded.values()) == 2
    assert pack.recodes["suppressed"].sum() == 2
    # the problems table holds no recode: recodes are information
    problems = _table(html, "Rows read, left out, excluded and to query")
    assert not any("recoded" in " ".join(r).lower() for r in problems)
    internal = Pack.from_params(read_params(_params(
        extracts, "appeal-internal.yaml", extracts / "warehouse-appeal.csv", split=split,
        audience="internal")))
    recoded = {r[2]: r[4] for r in _table(sections.data_quality_html(internal),
                                          "Local values recoded by the params file")}
    assert recoded["Refused (appeal)"] == "2"

    provenance = sections.provenance_html(pack)
    assert "{" not in provenance and "&#x27;" not in provenance.split("Parameters")[1]
    rows = _table(provenance, "One column into several (split:)")
    assert ["requests", "Outcome", "Assess - Issue plan",
            "request_outcome: assess; assessment_outcome: issue_plan"] in rows
    assert _table(provenance, "Values mapped (values:)") == [
        ["referrals", "service", "Audiology", "audiology"]]
