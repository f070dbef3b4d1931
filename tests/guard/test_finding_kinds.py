"""What the guard found is one of its FindingKind members, in the words chosen once."""

import pandas as pd
import pytest

from sendreport.errors import DisclosureError
from sendreport.guard import FindingKind, check_outputs, collect_identifiers


def test_words_of_each_kind_checked_by_hand():
    assert FindingKind.IDENTIFIER.describe("person_id") == "identifier (person_id)"
    assert FindingKind.RECORD.describe("requests") == "record of the input (requests)"
    assert FindingKind.SMALL_COUNT_IN_CHART.describe(4) == "count of 1 to 4 in a chart"
    assert FindingKind.UNREADABLE_PDF.describe("PdfReadError") == "unreadable PDF (PdfReadError)"
    assert FindingKind.DATE_OF_BIRTH.describe() == "date of birth"
    assert FindingKind.NHS_NUMBER == "NHS number"


def test_holds_tells_a_kind_from_another():
    assert FindingKind.IDENTIFIER.holds("identifier (request_id)")
    assert not FindingKind.IDENTIFIER.holds("identifier-like words")
    assert FindingKind.UPN.holds("UPN") and not FindingKind.UPN.holds("UPN-ish")
    assert not FindingKind.SMALL_COUNT_IN_CHART.holds("date of birth")


def test_every_finding_of_a_refusal_is_of_a_kind():
    ids = collect_identifiers(
        {
            "requests": pd.DataFrame(
                {
                    "request_id": ["REQ-2023-000117"],
                    "person_id": ["P000123"],
                    "date_of_birth": pd.to_datetime(["2015-03-01"]),
                }
            )
        }
    )
    html = "<p>P000123 REQ-2023-000117 born 1 March 2015, NHS 943 476 5919</p>"
    with pytest.raises(DisclosureError) as info:
        check_outputs(notebook=None, html=html, pdf_text=None, identifiers=ids)
    kinds = [f.kind for f in info.value.findings]
    assert len(kinds) >= 3
    assert [k for k in kinds if not any(member.holds(k) for member in FindingKind)] == []
    assert any(FindingKind.IDENTIFIER.holds(k) for k in kinds)
    assert FindingKind.NHS_NUMBER in kinds and FindingKind.DATE_OF_BIRTH in kinds
