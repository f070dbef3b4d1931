from __future__ import annotations

import pytest

from sendreport.guard import find_nhs_numbers, find_upns, is_nhs_number, is_upn


def nhs_check_digit(first_nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    return (11 - total % 11) % 11


def test_check_digit_helper_matches_a_worked_example():
    # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 % 11 = 2; 11 - 2 = 9
    assert nhs_check_digit("943476591") == 9


@pytest.mark.parametrize("number", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers(number):
    assert is_nhs_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # wrong check digit
        "9434765911",
        "1234567890",  # remainder gives check 10: never valid
        "0000000000",  # placeholders pass the arithmetic but are not NHS numbers
        "1111111111",
        "943476591",  # 9 digits
        "94347659190",
    ],
)
def test_invalid_nhs_numbers(number):
    assert not is_nhs_number(number)


def test_every_check_digit_is_verified():
    stem = "401023213"
    good = nhs_check_digit(stem)
    found = [d for d in range(10) if is_nhs_number(f"{stem}{d}")]
    assert found == [good]


def test_find_nhs_numbers_whole_numbers_only():
    text = (
        "NHS 943 476 5919; 9434765919 and 943-476-5919, run into letters A9434765919. "
        "Not: 943 476-5919 (mixed), 19434765919 (11 digits), 9434765918 (check), "
        "0943 476 5919, 943 476 59190."
    )
    assert find_nhs_numbers(text) == ["943 476 5919", "9434765919", "943-476-5919", "9434765919"]


def test_permanent_and_temporary_upns():
    # B801200005001: 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93; 93 % 23 = 1 -> B
    assert is_upn("B801200005001")
    assert not is_upn("A801200005001")
    # temporary: the final A counts 0; 8*2 + 1*4 + 2*5 + 5*10 = 80; 80 % 23 = 11 -> M
    assert is_upn("M80120000500A")
    assert not is_upn("N80120000500A")
    assert is_upn("b801200005001")


@pytest.mark.parametrize(
    "upn",
    ["I801200005001", "B80120000500", "B8012000050011", "B80120000500I", "B80120A005001"],
)
def test_malformed_upns(upn):
    assert not is_upn(upn)


def test_find_upns():
    text = "UPNs: B801200005001, M80120000500A, UPNB801200005001; not A801200005001, B8012000050012"
    assert find_upns(text) == ["B801200005001", "M80120000500A", "B801200005001"]
