"""Identifiers in the forms people type (issue 11): a planted value is always found.

Hypothesis generates each value and the way it is written (separators of every
kind, grouping, case, run into letters) and plants it in a realistic page of
report text; the guard must report it. The same page without it reports nothing
(tests/guard/test_false_positives.py holds the larger corpus).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sendreport.guard import (
    DATE_OF_BIRTH,
    NAME,
    NHS_NUMBER,
    UPN,
    Finding,
    collect_identifiers,
    is_nhs_number,
    is_upn,
    scan_codes,
    scan_text,
)

PAGE = (
    "Summary\nEHC plans issued within 20 weeks (excluding exceptions): 41.2% (157 of 381), "
    "up from 28.9% at 31 March 2024. Requests for assessment: 1,152 in the period.\n"
    "Annual reviews with a decision within 4 weeks: 38.7% (n = 912). Overdue reviews: 214.\n"
    "Autism assessment: median wait 31.4 weeks; 1,038 waiting. Page 3 of 24\n"
)
ALLOWED = [dt.date(2024, 3, 31)]
SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007", "\t", "  ", "\u3000"]
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\uff0d"]
SEPARATORS = [*SPACES, *DASHES, ".", " - ", "_"]
settings.register_profile(
    "guard", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
GUARD = settings.get_profile("guard")


def kinds(findings: list[Finding]) -> dict[str, int]:
    return {f.kind: f.count for f in findings}


def plant(value: str, before: str, after: str) -> str:
    return PAGE + before + value + after + "\n" + PAGE


# -- NHS numbers ---------------------------------------------------------------------------


@st.composite
def nhs_numbers(draw) -> str:
    stem = draw(st.text("0123456789", min_size=9, max_size=9))
    total = sum(int(d) * w for d, w in zip(stem, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    number = stem + str(check)
    assume(check != 10 and len(set(number)) > 1)
    assert is_nhs_number(number)
    return number


@st.composite
def written_nhs_numbers(draw) -> str:
    number = draw(nhs_numbers())
    grouping = draw(st.sampled_from([(10,), (3, 3, 4), (2, 2, 2, 2, 2)]))
    sep = draw(st.sampled_from([*SPACES[:-1], *DASHES, ".", ""]))
    parts, start = [], 0
    for size in grouping:
        parts.append(number[start : start + size])
        start += size
    return sep.join(parts)


@GUARD
@given(
    written_nhs_numbers(),
    st.sampled_from(["", "NHS", "NHS no: ", "(", "patient ", "nhs#", "ref:\u00a0"]),
    st.sampled_from(["", ".", ")", " seen", "x", ";"]),
)
def test_a_planted_nhs_number_is_always_found(written, before, after):
    ids = collect_identifiers({})
    found = kinds(scan_text(plant(written, before, after), ids, where="p", allowed=ALLOWED))
    assert found == {NHS_NUMBER: 1}, (written, before, after)


@pytest.mark.parametrize(
    "text",
    [
        "NHS9434765919",
        "94 34 76 59 19",
        "943\u00a0476\u00a05919",
        "943.476.5919",
        "943\t476\t5919",
        "943\u2013476\u20135919",
        "９４３ ４７６ ５９１９",
        "943\u200b476\u200b5919",
    ],
)
def test_nhs_numbers_in_the_forms_of_the_issue(text):
    assert kinds(scan_text(text, collect_identifiers({}), where="p")) == {NHS_NUMBER: 1}


def test_rows_of_figures_are_not_nhs_numbers():
    # five two-digit figures inside a longer row, and tables of counts
    text = "weeks 12 94 34 76 59 19 40\n157 381 4123\n41.2 38.7 22.0 15.1 60.0"
    assert scan_text(text, collect_identifiers({}), where="p") == []


# -- UPNs -----------------------------------------------------------------------------------


@st.composite
def upns(draw) -> str:
    digits = draw(st.text("0123456789", min_size=11, max_size=11))
    last = draw(st.sampled_from([*"0123456789", "A", "H"]))
    alphabet = "ABCDEFGHJKLMNPQRTUVWXYZ"
    values = [int(c) for c in digits] + [int(last) if last.isdigit() else alphabet.index(last)]
    letter = alphabet[sum(v * w for v, w in zip(values, range(2, 14), strict=True)) % 23]
    upn = letter + digits + last
    assert is_upn(upn)
    return upn


@GUARD
@given(
    upns(),
    st.sampled_from(["contiguous", "3", "4", "letter apart"]),
    st.sampled_from([" ", "\u00a0", "-", "\u2013", ".", "\t"]),
    st.sampled_from(["", "UPN ", "UPN", "upn: ", "("]),
    st.booleans(),
)
def test_a_planted_upn_is_always_found(upn, grouping, sep, before, lower):
    body = upn[1:]
    if grouping == "contiguous":
        written = upn
    elif grouping == "letter apart":
        written = upn[0] + sep + body
    else:
        size = int(grouping)
        written = upn[0] + sep.join(body[i : i + size] for i in range(0, 12, size))
    if lower:
        written = written.lower()
    ids = collect_identifiers({})
    found = kinds(scan_text(plant(written, before, ", in year 7"), ids, where="p"))
    assert found == {UPN: 1}, written


# -- identifiers ----------------------------------------------------------------------------


@st.composite
def identifiers_with_separators(draw) -> tuple[str, str]:
    prefix = draw(st.text("ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=4))
    groups = draw(st.lists(st.text("0123456789", min_size=3, max_size=7), min_size=1, max_size=3))
    assume(len(prefix) + sum(map(len, groups)) >= 6)  # shorter ones are too generic to scan
    sep = draw(st.sampled_from(["-", "_", ".", "/"]))
    value = sep.join([prefix, *groups]) if sep != "/" else prefix + "-" + "-".join(groups)
    # the same value as a person types it: any separator, or none, where it had one
    written_seps = draw(
        st.lists(st.sampled_from([*SEPARATORS, ""]), min_size=len(groups), max_size=len(groups))
    )
    written = prefix + "".join(s + g for s, g in zip(written_seps, groups, strict=True))
    if draw(st.booleans()):
        written = written.lower()
    return value, written


@GUARD
@given(
    identifiers_with_separators(),
    st.sampled_from(["", "ref ", "(", "id:", "\u201c"]),
    st.sampled_from(["", ".", ")", " was late", "\u201d"]),
)
def test_a_planted_identifier_is_always_found_whatever_its_separators(pair, before, after):
    value, written = pair
    table = pd.DataFrame({"request_id": [value], "person_id": ["P0000001"]})
    ids = collect_identifiers({"requests": table})
    found = kinds(scan_text(plant(written, before, after), ids, where="p", allowed=ALLOWED))
    assert found.get("identifier (request_id)") == 1, (value, written)


def test_an_identifier_is_not_found_split_where_it_has_no_separator():
    ids = collect_identifiers({"requests": pd.DataFrame({"request_id": ["REQ0004417"]})})
    assert scan_text("REQ000 4417 and REQ-0004-417", ids, where="p") == []
    assert kinds(scan_text("REQ 0004417", ids, where="p")) == {"identifier (request_id)": 1}


# -- dates of birth -------------------------------------------------------------------------

DOB_FORMATS = [
    "{d:%Y-%m-%d}",
    "{d:%d/%m/%Y}",
    "{d.day}/{d.month}/{d:%Y}",
    "{d:%d/%m/%y}",
    "{d:%d-%m-%Y}",
    "{d:%d.%m.%Y}",
    "{d:%d-%b-%Y}",
    "{d:%d-%b-%y}",
    "{d.day} {d:%B %Y}",
    "{d.day} {d:%b %Y}",
    "{d.day}th of {d:%B %Y}",
    "{d:%B} {d.day}, {d:%Y}",
    "{d:%Y%m%d}",
    "{d:%d%m%Y}",
    "{d:%Y-%m-%d}T00:00:00",
    "{d:%d}\u00a0{d:%B}\u00a0{d:%Y}",
    "{d:%d}\u2013{d:%b}\u2013{d:%Y}",
    "{d:%Y/%m/%d}",
]


@GUARD
@given(
    st.dates(dt.date(2004, 1, 1), dt.date(2023, 12, 31)),
    st.sampled_from(DOB_FORMATS),
    st.sampled_from(["", "born ", "DOB:", "(", "dob "]),
    st.booleans(),
)
def test_a_planted_date_of_birth_is_always_found(dob, form, before, upper):
    written = form.format(d=dob)
    if upper:
        written = written.upper()
    ids = collect_identifiers({"requests": pd.DataFrame({"date_of_birth": [dob.isoformat()]})})
    found = kinds(scan_text(plant(written, before, ")"), ids, where="p", allowed=ALLOWED))
    assert found == {DATE_OF_BIRTH: 1}, written


@pytest.mark.parametrize(
    "cell", ["2015-03-01", "01/03/2015", "1 March 2015", "2015-03-01 00:00:00", "20150301"]
)
def test_text_dates_of_birth_are_read_year_first_when_iso_and_day_first_otherwise(cell):
    """Issue 9: ``2015-03-01`` was read day first, as 3 January."""
    ids = collect_identifiers({"requests": pd.DataFrame({"date_of_birth": [cell]})})
    assert ids.dates_of_birth == {dt.date(2015, 3, 1)}
    assert kinds(scan_text("born 1 March 2015", ids, where="p")) == {DATE_OF_BIRTH: 1}
    assert scan_text("born 3 January 2015", ids, where="p") == []


def test_dates_of_birth_given_directly_and_excel_cells():
    cells = pd.Series([dt.datetime(2016, 7, 14, 0, 0), dt.date(2012, 2, 29)], dtype=object)
    ids = collect_identifiers(
        {"requests": pd.DataFrame({"DOB": cells})}, dates_of_birth=["19/07/2014"]
    )
    assert ids.dates_of_birth == {dt.date(2016, 7, 14), dt.date(2012, 2, 29), dt.date(2014, 7, 19)}


# -- names ----------------------------------------------------------------------------------

FORENAMES = ["Amelia", "Oliver", "Isla", "Muhammad", "Zoë", "Siobhán", "Jean-Luc", "Aarav"]
SURNAMES = ["Smith", "O'Neill", "Nowak", "Okonkwo", "Ahmed-Khan", "Williams", "MacDonald"]


@GUARD
@given(
    st.sampled_from(FORENAMES),
    st.sampled_from(SURNAMES),
    st.sampled_from(["{f} {s}", "{s}, {f}", "{s} {f}", "{F} {S}", "{S}, {f}", "{f}\u00a0{s}"]),
    st.sampled_from(["", "child: ", "(", "re "]),
)
def test_a_planted_name_is_always_found(forename, surname, form, before):
    table = pd.DataFrame({"person_id": ["P0000001"], "forename": [forename], "surname": [surname]})
    ids = collect_identifiers({"requests": table})
    written = form.format(f=forename, s=surname, F=forename.upper(), S=surname.upper())
    found = kinds(scan_text(plant(written, before, " was seen"), ids, where="p"))
    assert found == {NAME: 1}, written


def test_names_from_a_full_name_column_and_given_directly():
    table = pd.DataFrame({"person_id": ["P0000001"], "Name": ["Amelia Jane Smith"]})
    ids = collect_identifiers({"sen2": table}, names=[("Oliver", "Nowak"), "Isla Okonkwo"])
    text = "Amelia Smith, SMITH Amelia Jane; Oliver Nowak; Okonkwo, Isla"
    assert kinds(scan_text(text, ids, where="p")) == {NAME: 4}


def test_single_names_are_not_looked_for_and_are_counted():
    table = pd.DataFrame({"forename": ["Hope", "May"], "surname": [None, None]})
    ids = collect_identifiers({"requests": table})
    assert scan_text("We hope to report in May 2025.", ids, where="p") == []
    assert ids.unscanned == {NAME: 2}


def test_names_are_not_found_inside_longer_words():
    ids = collect_identifiers({}, names=[("Amelia", "Smith")])
    assert scan_text("Amelia Smithson and Pamelia Smith", ids, where="p") == []


# -- extra identifiers and free-text codes ---------------------------------------------------


def test_extra_identifiers_from_a_sen2_return():
    ids = collect_identifiers({}, extra={"ULN": ["1234567890"], "postcode": ["AB1 2CD"]})
    text = "ULN 1234567890 at AB12CD"
    assert kinds(scan_text(text, ids, where="p")) == {
        "identifier (ULN)": 1,
        "identifier (postcode)": 1,
    }


def test_free_text_codes_are_checked_against_identifiers_and_names():
    referrals = pd.DataFrame(
        {
            "referral_id": ["F000001", "F000002", "F000003", "F000004"],
            "person_id": ["P17", "P000123", "P000124", "P000125"],
            "service": ["P17", "audiology", "Amelia Smith", "NHS 943 476 5919"],
        }
    )
    people = pd.DataFrame({"person_id": ["P000124"], "forename": ["Amelia"], "surname": ["Smith"]})
    ids = collect_identifiers({"referrals": referrals, "people": people})
    assert kinds(scan_codes(ids)) == {
        "identifier (person_id)": 1,
        NAME: 1,
        NHS_NUMBER: 1,
    }
    assert {f.where for f in scan_codes(ids)} == {"input codes (referrals.service)"}


def test_names_are_looked_for_capitalised_only():
    ids = collect_identifiers({}, names=[("Mark", "Young"), ("Grace", "Hill")])
    text = "Actions to mark young people's progress; by grace hill walks. MARK YOUNG, Grace Hill"
    assert kinds(scan_text(text, ids, where="p")) == {NAME: 2}


def test_upn_uln_and_postcode_columns_are_identifiers_whatever_their_case():
    table = pd.DataFrame(
        {"UPN": ["B801200005001"], "ULN": ["1234567890"], "Postcode": ["AB1 2CD"]}
    )
    ids = collect_identifiers({"sen2": table})
    found = kinds(scan_text("B801200005001 1234567890 AB1 2CD", ids, where="p"))
    assert found == {
        "identifier (UPN)": 1,
        "identifier (ULN)": 1,
        "identifier (Postcode)": 1,
        UPN: 1,  # the pattern finds it as well
    }


def test_decimal_figures_are_not_nhs_numbers_or_dates_of_birth():
    ids = collect_identifiers({"requests": pd.DataFrame({"date_of_birth": ["2014-07-19"]})})
    text = "value 41.20140719, lpl 0.9434765919 and 9434765919.5; upl 20140719.25"
    assert scan_text(text, ids, where="kpis.csv") == []
    found = kinds(scan_text("NHS 9434765919. Born 20140719.", ids, where="p"))
    assert found == {NHS_NUMBER: 1, DATE_OF_BIRTH: 1}


def test_rows_of_a_table_of_years_are_not_dates_of_birth():
    ids = collect_identifiers({"requests": pd.DataFrame({"date_of_birth": ["2019-10-12"]})})
    assert scan_text("Year Plans Late\n2019 10 12\n12 10 2019", ids, where="p") == []


def test_a_date_after_a_number_is_read_even_where_another_reading_overlaps():
    ids = collect_identifiers({"requests": pd.DataFrame({"date_of_birth": ["2004-01-10"]})})
    found = kinds(scan_text("Page 3 of 24\nJanuary 10, 2004", ids, where="p"))
    assert found == {DATE_OF_BIRTH: 1}


ID_TEXT = st.one_of(
    st.from_regex(r"[A-Za-z]{0,4}[-_ ./,']{0,2}[0-9]{0,8}[A-Za-z0-9]{0,2}", fullmatch=True),
    st.text(alphabet="aZ09-_ .'/()é٣\u00a0", max_size=10),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(ID_TEXT, max_size=8))
def test_identifiers_read_in_bulk_are_indexed_as_one_at_a_time(values):
    # collect_identifiers reads plain values (``REQ-000001``) from one match; the index it
    # builds must be the one the general reading gives every value.
    from sendreport.guard import _Builder

    bulk, single = _Builder(), _Builder()
    values = [v for v in values if v]
    bulk.add_all("identifier (person_id)", values)
    for value in values:
        single.add("identifier (person_id)", value)
    for part in ("patterns", "boundaries", "unscanned", "seen_unscanned", "every_value"):
        assert getattr(bulk, part) == getattr(single, part), part
