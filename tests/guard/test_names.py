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
