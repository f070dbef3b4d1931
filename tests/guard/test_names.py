"""A child's forename and surname are found together, whatever their length (issue 21).

"our son Ali Khan had been out of school" was published from a SEN2 return: the
return's names reach the guard as ``forename_id``, ``surname_id`` and
``full_name_id`` columns, and a full name of 7 letters was too short to scan.
"""

from __future__ import annotations

import string

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sendreport.errors import DisclosureError
from sendreport.guard import NAME, PLACEHOLDERS, check_outputs, collect_identifiers, scan_text
from sendreport.sen2.tables import personal_frame

QUOTE = "Family voice: \u201cour son {name} had been out of school since March.\u201d"
CONTEXTS = [
    QUOTE,
    "Weeks waited by {name}",  # a chart's title or tick label
    "<td>{name}</td><td>31 weeks</td>",
    "case-study-{name}.png",
    "{name}",
]
FORMS = [
    "{F} {S}", "{S} {F}", "{S}, {F}", "{F}  {S}", "{FF} {SS}", "{SS}, {FF}",
    "{f}_{s}", "{s}.{f}", "{f}-{s}", "{FF}_{SS}", "{F}{S}", "{S}{F}", "{FF}{SS}", "{F}\u00a0{S}",
]
WORD = st.text(string.ascii_lowercase, min_size=2, max_size=20)


def return_people(*names: tuple[str, str]) -> pd.DataFrame:
    """Names as a SEN2 return hands them to the guard (``sendreport.sen2.tables``)."""
    return personal_frame([(None, None, None, surname, forename, "2015-06-01")
                           for forename, surname in names])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(WORD, WORD, st.sampled_from(FORMS), st.sampled_from(CONTEXTS))
def test_a_forename_and_surname_from_a_return_are_always_found(forename, surname, form, context):
    assume((forename + surname) not in PLACEHOLDERS and (surname + forename) not in PLACEHOLDERS)
    ids = collect_identifiers({"sen2 (personal data)": return_people(
        (forename.capitalize(), surname.capitalize()))})
    written = form.format(F=forename.capitalize(), S=surname.capitalize(), f=forename,
                          s=surname, FF=forename.upper(), SS=surname.upper())
    kinds = {f.kind for f in scan_text(context.format(name=written), ids, where="p")}
    assert NAME in kinds or any(k.startswith("identifier (") for k in kinds), written


def test_the_family_voice_quote_with_a_short_name_is_refused():
    ids = collect_identifiers({"sen2 (personal data)": return_people(("Ali", "Khan"),
                                                                     ("Jo", "Li"))})
    for name in ("Ali Khan", "KHAN, Ali", "ali_khan", "Jo Li"):
        html = f"<blockquote>{QUOTE.format(name=name)}</blockquote>"
        with pytest.raises(DisclosureError, match=r"- name in report\.html") as err:
            check_outputs(notebook=None, html=html, pdf_text=None, identifiers=ids)
        assert name not in str(err.value)


def test_short_pairs_need_capitals_where_they_read_as_words_and_single_names_pass():
    ids = collect_identifiers({"sen2 (personal data)": return_people(
        ("Mark", "Young"), ("Sun", "Day"), ("Ali", "Baba"))})
    prose = ("Actions to mark young people's progress; every sunday. Ali Baba and the cave; "
             "Ali said the plan helped. Mark the day.")
    # "Ali Baba" is a story's title and, here, a child's name: capitalised, it is refused
    assert [(f.kind, f.count) for f in scan_text(prose, ids, where="p")] == [(NAME, 1)]
    assert scan_text("Ali and Mark were seen by Dr Young on Sunday.", ids, where="p") == []


SEN2_RETURN = """<?xml version="1.0" encoding="utf-8"?>
<Message>
<Header>
  <CollectionDetails><Collection>SEN2</Collection><Year>2024</Year>
    <ReferenceDate>2024-01-18</ReferenceDate></CollectionDetails>
  <Source><SourceLevel>L</SourceLevel><LEA>999</LEA><DMO>Y</DMO><DCO>Y</DCO></Source>
</Header>
<Persons>
<Person><Surname>Khan</Surname><Forename>Ali</Forename><PersonBirthDate>2013-09-09</PersonBirthDate>
<Sex>M</Sex><Ethnicity>WBRI</Ethnicity><PostCode>ZZ99 9ZZ</PostCode><UPN>A999000012345</UPN>
<Requests><ReceivedDate>2023-02-05</ReceivedDate><RequestOutcomeDate>2023-03-14</RequestOutcomeDate>
<RequestOutcome>N</RequestOutcome></Requests></Person>
</Persons>
</Message>
"""


@pytest.mark.slow
@pytest.mark.parametrize("written", ["Ali Khan", "ali_khan"])
def test_sendreport_run_refuses_the_family_voice_quote_naming_a_child_of_the_return(
    tmp_path, written
):
    """The attack of issue 21: a quote with a 7-letter name from the return was published."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[2]
    (tmp_path / "return.xml").write_text(SEN2_RETURN, encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("area_name = 'Testshire'\nperiod_end = '2024-06-30'",
                                  metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(textwrap.dedent(f"""\
            from sendreport.pack.display import declare_document, show
            declare_document(title="Family voice", classification="OFFICIAL",
                             running_head=area_name)
            show("<blockquote>" + {QUOTE!r}.format(name={written!r}) + "</blockquote>")
            """)),
    ]
    nbformat.write(nb, tmp_path / "voice.ipynb")
    (tmp_path / "params.yaml").write_text(textwrap.dedent(f"""\
        notebook: voice.ipynb
        area_name: Testshire
        period_start: 2024-01-01
        period_end: 2024-06-30
        plan: {root / "params" / "plans" / "demoshire-pap.yaml"}
        data:
          sen2: [return.xml]
        """), encoding="utf-8")
    out = subprocess.run(
        [str(Path(sys.executable).parent / "sendreport"), "run", str(tmp_path / "params.yaml"),
         "--output-dir", str(tmp_path / "out"), "--no-pdf"],
        capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 3, out.stderr
    assert "- name in report.html" in out.stderr
    assert "Khan" not in out.stderr + out.stdout
    assert not (tmp_path / "out" / "testshire" / "2024-06-30").exists()
