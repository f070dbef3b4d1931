"""The shared words: each decided once (sendreport/vocabulary.py), checked by hand, never copied."""

import ast
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

import sendreport
from sendreport.vocabulary import (
    FALSE_WORDS,
    IMPROVEMENTS,
    TRUE_WORDS,
    format_value,
    long_date,
    service_in_sentence,
    service_name,
    short_date,
)

PACKAGE = Path(sendreport.__file__).parent


@pytest.mark.parametrize(
    ("day", "long", "short"),
    [
        (dt.date(2024, 7, 1), "1 July 2024", "1 Jul 2024"),
        (dt.date(2024, 6, 30), "30 June 2024", "30 Jun 2024"),
        (dt.date(2025, 3, 9), "9 March 2025", "9 Mar 2025"),
    ],
)
def test_dates_have_no_leading_zero(day, long, short):
    assert (long_date(day), short_date(day)) == (long, short)


@pytest.mark.parametrize(
    ("code", "label", "in_sentence"),
    [
        (
            "speech_and_language_therapy",
            "Speech and language therapy",
            "speech and language therapy",
        ),
        ("adhd_assessment", "ADHD assessment", "ADHD assessment"),
        ("autism_assessment", "Autism assessment", "autism assessment"),
    ],
)
def test_service_words(code, label, in_sentence):
    assert (service_name(code), service_in_sentence(code)) == (label, in_sentence)


@pytest.mark.parametrize(
    ("value", "unit", "kw", "text"),
    [
        (46.25, "%", {}, "46.3%"),
        (0.05, "%", {}, "0.1%"),  # half away from zero, as DfE rounds
        (60, "%", {"exact": True}, "60%"),
        (12345, "count", {}, "12,345"),
        (2.5, "count", {}, "3"),
        (1.0, "weeks", {}, "1.0 week"),
        (30.04, "weeks", {}, "30.0 weeks"),
        (3, "count", {"suppressed": True}, "c"),
        (None, "%", {}, "x"),
        (float("nan"), "weeks", {}, "x"),
        (pd.NA, "count", {"missing": "z"}, "z"),
    ],
)
def test_one_number_format(value, unit, kw, text):
    assert format_value(value, unit, **kw) == text


def test_the_public_format_value_is_the_one():
    from sendreport import metrics, tables

    assert metrics.format_value is format_value and tables.format_value is format_value


def test_true_and_false_words_do_not_overlap_and_are_what_inputs_accept():
    from sendreport.validation.convert import _boolean  # noqa: PLC2701 (the test reads it)

    assert not TRUE_WORDS & FALSE_WORDS
    assert all(_boolean(w.upper()) is True for w in TRUE_WORDS)
    assert all(_boolean(f" {w} ") is False for w in FALSE_WORDS)
    assert IMPROVEMENTS == ("increase", "decrease", "neutral")


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name != "vocabulary.py":
            yield path.relative_to(PACKAGE), path.read_text(encoding="utf-8")


def test_no_module_keeps_its_own_copy():
    """The copies the package had, one pattern each: none may come back."""
    copies = {
        "a date with a leading zero": re.compile(r"%d %B|%d %b"),
        "a day and month written by hand": re.compile(r"\{[\w.]+\.day\} \{"),
        "a list of improvement directions": re.compile(r"\"increase\", \"decrease\", \"neutral\""),
        "a list of true words": re.compile(r"\"true\", \"yes\"|\"yes\", \"true\"|\"1\", \"true\""),
        "family voice guessed from the source": re.compile(r"survey\|"),
        "a service code turned into words": re.compile(r"service[^\n]{0,30}\.replace\([\"']_"),
    }
    found = [
        f"{path}: {what}"
        for path, text in _sources()
        for what, pattern in copies.items()
        if pattern.search(text)
    ]
    assert found == []


def test_one_definition_of_each_shared_function():
    names = {"format_value", "is_missing", "long_date", "short_date", "service_name"}
    defined = [
        f"{path}: {node.name}"
        for path, text in _sources()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef) and node.name in names
    ]
    assert defined == []
