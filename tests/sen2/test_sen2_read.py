"""Hand-worked SEN2 returns: each year's shape, the validation rules, bad and hostile files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest
from sen2_returns import person, sen2_xml

from sendreport.errors import DataValidationError
from sendreport.sen2 import read_returns
from sendreport.validation import load_data

REFUSED = ("<Requests><ReceivedDate>{y}-02-05</ReceivedDate><RYA>0</RYA>"
           "<RequestOutcomeDate>{y}-03-14</RequestOutcomeDate><RequestOutcome>N</RequestOutcome>"
           "</Requests>")
ISSUED = ("<Requests><ReceivedDate>{y}-01-20</ReceivedDate>{source}"
          "<RequestOutcomeDate>{y}-02-24</RequestOutcomeDate><RequestOutcome>Y</RequestOutcome>"
          "<Assessment><AssessmentOutcome>Y</AssessmentOutcome>"
          "<AssessmentOutcomeDate>{y}-06-30</AssessmentOutcomeDate><Week20>{week20}</Week20>"
          "<NamedPlan><StartDate>{y}-07-02</StartDate></NamedPlan></Assessment>"
          "<ActivePlans>{active}<PlacementDetail><URN>100000</URN><EntryDate>{y}-09-03"
          "</EntryDate>{placement}</PlacementDetail>"
          "<SENneed><SENtype>asd</SENtype><SENtypeRank>2</SENtypeRank></SENneed>"
          "<SENneed><SENtype>SLCN</SENtype><SENtypeRank>1</SENtypeRank></SENneed>"
          "</ActivePlans></Requests>")
HISTORICAL = ("<Requests><RequestOutcome>H</RequestOutcome><Assessment>"
              "<AssessmentOutcome>H</AssessmentOutcome><NamedPlan><StartDate>2019-05-01"
              "</StartDate></NamedPlan></Assessment><ActivePlans>{active}</ActivePlans>"
              "</Requests>")


def test_2023_shape_gender_current_and_last_review_only(write_xml):
    body = (REFUSED.format(y=2022)
            + ISSUED.format(y=2022, source="", week20="1", placement="",
                            active="<Res>A</Res><WBP>S</WBP>"))
    older = HISTORICAL.format(active="<LastReview>2022-10-12</LastReview>")
    gender = "<GenderCurrent>2</GenderCurrent>"
    path = write_xml(sen2_xml(2023, person(body, extra=gender) + person(
        older, extra=gender, upn="B999000012345")))
    data = read_returns(path)
    requests = data.tables["requests"]
    assert requests["sex"].tolist() == ["F", "F", "F"]
    assert requests["request_outcome"].tolist() == ["not_assess", "assess", "historical"]
    issued = requests.iloc[1]
    assert issued["plan_issued_date"] == pd.Timestamp("2022-06-30")  # not the StartDate
    assert issued["named_plan_start_date"] == pd.Timestamp("2022-07-02")
    assert issued["exception_20wk"]
    assert (issued["primary_need"], issued["secondary_need"]) == ("SLCN", "ASD")
    placements = data.tables["placements"]
    assert placements[["residential", "work_based"]].values.tolist() == [["A", "S"]]
    reviews = data.tables["reviews"]
    assert reviews["review_decision_date"].tolist() == [pd.Timestamp("2022-10-12")]
    assert reviews["review_meeting_date"].isna().all()
    loaded = load_data({"sen2": path})
    assert loaded["requests"]["request_id"].tolist() == ["999-2023-1-1", "999-2023-1-2"]
    assert data.tables["requests"]["person_id"].tolist() == ["999-2023-1"] * 2 + ["999-2023-2"]
    assert list(loaded["reviews"].columns) == ["review_id", "person_id", "review_meeting_date",
                                               "review_decision_date", "review_outcome"]


def test_2024_shape_review_meeting_and_outcome(write_xml):
    body = HISTORICAL.format(active="<ReviewMeeting>2023-09-01</ReviewMeeting>"
                                    "<ReviewOutcome>A</ReviewOutcome>"
                                    "<LastReview>2023-09-20</LastReview>")
    issued = ISSUED.format(y=2023, source="", week20="0", active="",
                           placement="<Res>B</Res><WBP>A</WBP>")
    loaded = load_data({"sen2": write_xml(sen2_xml(2024, person(body) + person(
        issued, upn="B999000012345")))})
    reviews = loaded["reviews"]
    assert reviews[["review_meeting_date", "review_decision_date"]].values.tolist() == [
        [pd.Timestamp("2023-09-01"), pd.Timestamp("2023-09-20")]]
    assert reviews["review_outcome"].tolist() == ["amend"]
    assert loaded.sen2["placements"]["residential"].tolist() == ["B"]
    assert len(loaded["requests"]) == 1  # the historical chain is not a request of the year


def test_2025_shape_request_source(write_xml):
    body = ISSUED.format(y=2024, source="<RequestSource>3</RequestSource>", week20="0",
                         active="", placement="")
    data = read_returns(write_xml(sen2_xml(2025, person(body))))
    assert data.tables["requests"]["request_source"].tolist() == ["health"]


@pytest.mark.parametrize(("year", "tag"), [(2024, "<GenderCurrent>1</GenderCurrent>"),
                                           (2023, "<Sex>M</Sex>")])
def test_tags_of_another_year_refused(write_xml, year, tag):
    path = write_xml(sen2_xml(year, person(REFUSED.format(y=year - 1), extra=tag)))
    with pytest.raises(DataValidationError, match=r"tags of another year's return.*line \d+"):
        read_returns(path)


def test_review_meeting_in_a_2023_return_refused(write_xml):
    body = HISTORICAL.format(active="<ReviewMeeting>2022-09-01</ReviewMeeting>")
    path = write_xml(sen2_xml(2023, person(body, extra="<GenderCurrent>1</GenderCurrent>")))
    with pytest.raises(DataValidationError, match="reviewmeeting .first on line"):
        read_returns(path)


@pytest.mark.parametrize(("text", "rule"), [
    ("<Message><Persons/></Message>", "no Header"),
    ('<?xml version="1.0"?><Return><Header/></Return>', "root element is 'Return'"),
    (sen2_xml(2024, "", collection="CIN"), "Collection is 'CIN'"),
    (sen2_xml(2021, ""), "only the 2023 to 2026"),
    (sen2_xml(2024, person("<Requests><ReceivedDate>2023-01-01</Requests>")),
     "not well-formed XML"),
    ("", "no element found"),
])
def test_files_that_are_not_a_readable_return(write_xml, text, rule):
    with pytest.raises(DataValidationError, match=rule):
        read_returns(write_xml(text))


BILLION_LAUGHS = textwrap.dedent("""\
    <?xml version="1.0"?>
    <!DOCTYPE lolz [
     <!ENTITY lol "lol">
     <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
     <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
     <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
    ]>
    <Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2024</Year>
    </CollectionDetails></Header><Persons><Person><Surname>&lol9;</Surname></Person>
    </Persons></Message>
    """)
EXTERNAL = textwrap.dedent("""\
    <?xml version="1.0"?>
    <!DOCTYPE Message [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
    <Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2024</Year>
    </CollectionDetails></Header><Persons><Person><Surname>&secret;</Surname></Person>
    </Persons></Message>
    """)


@pytest.mark.parametrize("attack", [BILLION_LAUGHS, EXTERNAL])
def test_entity_expansion_refused_with_exit_code_2(write_xml, attack):
    path = write_xml(attack)
    with pytest.raises(DataValidationError, match="DOCTYPE") as err:
        read_returns(path)
    assert err.value.exit_code == 2


def test_undeclared_entity_reference_refused(write_xml):
    path = write_xml(sen2_xml(2024, person(REFUSED.format(y=2023)).replace(
        "<Surname>Fernhollow", "<Surname>&ext;")))
    with pytest.raises(DataValidationError, match="malformed_xml|xml_entity"):
        read_returns(path)


def test_unrecognised_tags_reported_aliases_and_case_matched(write_xml):
    body = ISSUED.format(y=2023, source="", week20="0", active="",
                         placement="<sensetting>OLA</sensetting><WPB>T</WPB>")
    body = body.replace("<RYA>", "<RYA>") + "<Favourite>blue</Favourite>"
    text = sen2_xml(2024, person(body)).replace("<SENtype>SLCN</SENtype>",
                                                "<SENTYPE>SLCN</SENTYPE>")
    path = write_xml(text)
    with pytest.warns(UserWarning, match="person/Favourite"):
        loaded = load_data({"sen2": path})
    placements = loaded.sen2["placements"]
    assert placements[["sen_setting", "work_based"]].values.tolist() == [["OLA", "T"]]
    assert loaded["requests"]["primary_need"].tolist() == ["SLCN"]
    quality = loaded.quality
    row = quality[quality["rule"].eq("unrecognised_tag")]
    assert row[["column", "count"]].values.tolist() == [["person/Favourite", 1]]


def test_outcome_without_date_excluded_and_counted(write_xml):
    good = [REFUSED.format(y=2023)] * 30
    bad = REFUSED.format(y=2023).replace("<RequestOutcomeDate>2023-03-14</RequestOutcomeDate>",
                                         "")
    persons = "\n".join(person(b, upn=f"A99900001{i:04d}") for i, b in enumerate([*good, bad]))
    loaded = load_data({"sen2": write_xml(sen2_xml(2024, persons))})
    assert len(loaded["requests"]) == 30
    q = loaded.quality[loaded.quality["table"].eq("requests")].set_index(
        ["column", "rule"])["count"]
    assert q[("request_outcome_date", "missing_outcome_date")] == 1
    assert q[("", "rows_excluded")] == 1


def test_historical_chain_with_activity_dates_excluded_and_counted(write_xml):
    odd = HISTORICAL.format(active="").replace(
        "<RequestOutcome>H", "<ReceivedDate>2023-04-01</ReceivedDate><RequestOutcome>H")
    persons = "\n".join([person(REFUSED.format(y=2023) * 1, upn=f"A9990000{i:05d}")
                         for i in range(40)] + [person(odd, upn="B999000099999")])
    loaded = load_data({"sen2": write_xml(sen2_xml(2024, persons))})
    q = loaded.quality[loaded.quality["table"].eq("requests")].set_index(
        ["column", "rule"])["count"]
    assert q[("received_date", "historical_with_activity_dates")] == 1
    assert q[("", "rows_excluded")] == 1
    assert q[("", "rows_read")] == 41


def test_two_plans_at_once_excluded_and_counted(write_xml):
    plan = ISSUED.format(y=2023, source="", week20="0", active="", placement="")
    others = [person(REFUSED.format(y=2023), upn=f"A9990000{i:05d}") for i in range(60)]
    twice = person(plan + plan.replace("2023-01-20", "2023-01-27"), upn="C999000099999")
    loaded = load_data({"sen2": write_xml(sen2_xml(2024, "\n".join([*others, twice])))})
    q = loaded.quality[loaded.quality["table"].eq("requests")].set_index(
        ["column", "rule"])["count"]
    assert q[("named_plan_start_date", "two_plans_at_once")] == 2
    assert len(loaded["requests"]) == 60
    assert len(loaded.excluded["requests"]) == 2


def test_export_and_withdrawal_without_date(write_xml):
    exported = ("<Requests><ReceivedDate>2023-03-01</ReceivedDate><RequestOutcome>A"
                "</RequestOutcome><Exported>888</Exported></Requests>")
    withdrawn = ("<Requests><ReceivedDate>2023-05-01</ReceivedDate><RequestOutcome>W"
                 "</RequestOutcome></Requests>")
    loaded = load_data({"sen2": write_xml(sen2_xml(2024, person(exported + withdrawn)))})
    r = loaded["requests"]
    assert r["request_outcome"].tolist() == ["withdrawn", "withdrawn"]
    assert r["request_outcome_date"].tolist() == [pd.Timestamp("2023-03-01"),
                                                  pd.Timestamp("2023-05-01")]
    exported = loaded.sen2["requests"]["exported_to_la"]
    assert exported.iloc[0] == "888" and pd.isna(exported.iloc[1])


def test_blade_folder_gives_the_same_tables_as_the_xml(synthetic):
    xml = read_returns(synthetic["xml"][-1])
    blade = read_returns(synthetic["blade"])
    for name in ("requests", "reviews", "placements", "needs", "named_settings"):
        a = xml.tables[name].drop(columns=[c for c in xml.tables[name] if c.endswith("_id")])
        b = blade.tables[name].drop(columns=[c for c in blade.tables[name] if c.endswith("_id")])
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    dates = (synthetic["blade"] / "Blade-Export_07-03-2025_requests.csv").read_text()
    assert "-Jan-" in dates or "-Feb-" in dates


def test_sendreport_validate_exit_2_without_traceback(write_xml, tmp_path):
    path = write_xml(BILLION_LAUGHS)
    root = Path(__file__).resolve().parents[2]
    plan = root / "params" / "plans" / "demoshire-pap.yaml"
    (tmp_path / "plan.yaml").write_text(plan.read_text(encoding="utf-8"), encoding="utf-8")
    params = tmp_path / "params.yaml"
    notebook = root / "notebooks" / "stocktake.ipynb"
    params.write_text(f"notebook: {notebook}\narea_name: T\nperiod_start: 2024-01-01\n"
                      f"period_end: 2024-06-30\nplan: plan.yaml\ndata:\n  sen2: {path.name}\n",
                      encoding="utf-8")
    out = subprocess.run([str(Path(sys.executable).parent / "sendreport"), "validate",
                          str(params)], capture_output=True, text=True, check=False)
    assert out.returncode == 2, out.stderr
    assert "DOCTYPE" in out.stderr and "Traceback" not in out.stderr


def test_params_refuse_requests_and_sen2_together(tmp_path):
    from sendreport.errors import ParameterError
    from sendreport.params import parse_params

    for name in ("a.xml", "r.csv", "plan.yaml", "nb.ipynb"):
        (tmp_path / name).write_text("x")
    with pytest.raises(ParameterError, match="requests or sen2, not both"):
        parse_params({"notebook": "nb.ipynb", "area_name": "A", "period_start": "2024-01-01",
                      "period_end": "2024-06-30", "plan": "plan.yaml",
                      "data": {"sen2": ["a.xml"], "requests": "r.csv"}}, base_dir=tmp_path)


def test_reviews_file_takes_precedence(synthetic, tmp_path):
    reviews = synthetic["tables"]["reviews"]
    path = tmp_path / "reviews.csv"
    reviews.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_data({"sen2": synthetic["xml"][-1], "reviews": path})
    assert len(loaded["reviews"]) == len(reviews)
    assert "review_due_date" in loaded["reviews"].columns
