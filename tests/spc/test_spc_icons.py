"""Variation and assurance icons: well-formed SVG, colours and text equivalents."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from sendreport.charts.icons import Icon, assurance_icon, variation_icon
from sendreport.charts.theme import MDC_COLOURS
from sendreport.errors import ParameterError

SVG = "{http://www.w3.org/2000/svg}"

VARIATION = [
    (
        "common_cause",
        "increase",
        "common_cause",
        "",
        "Common cause variation: no significant change",
    ),
    (
        "special_cause_improvement",
        "increase",
        "improvement",
        "H",
        "Special cause improvement: significantly higher, and higher is better",
    ),
    (
        "special_cause_improvement",
        "decrease",
        "improvement",
        "L",
        "Special cause improvement: significantly lower, and lower is better",
    ),
    (
        "special_cause_concern",
        "increase",
        "concern",
        "L",
        "Special cause concern: significantly lower, where higher is better",
    ),
    (
        "special_cause_concern",
        "decrease",
        "concern",
        "H",
        "Special cause concern: significantly higher, where lower is better",
    ),
    (
        "special_cause_neutral_high",
        "neutral",
        "neutral",
        "H",
        "Special cause variation: significantly higher, neither direction is better",
    ),
    (
        "special_cause_neutral_low",
        "neutral",
        "neutral",
        "L",
        "Special cause variation: significantly lower, neither direction is better",
    ),
]

ASSURANCE = [
    ("consistent_pass", "improvement", "P", "Consistently passing the target"),
    ("consistent_fail", "concern", "F", "Consistently failing the target"),
    (
        "inconsistent",
        "common_cause",
        "?",
        "Inconsistent: the target will be met only some of the time",
    ),
    (None, "common_cause", "\u2013", "No target assurance: no target set or no better direction"),
]


def _check_svg(icon: Icon, colour: str, letter: str, text: str) -> None:
    root = ET.fromstring(icon.svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") == "40" and root.get("height") == "40"
    assert root.find(f"{SVG}title").text == text
    ring = root.find(f"{SVG}circle")
    assert ring.get("stroke") == MDC_COLOURS[colour]
    letters = [t.text for t in root.iter(f"{SVG}text")]
    assert letters == ([letter] if letter else [])
    assert icon.text == text
    assert "href" not in icon.svg  # self-contained: no external images or fonts


@pytest.mark.parametrize(("point_type", "improvement", "colour", "letter", "text"), VARIATION)
def test_variation_icons(point_type, improvement, colour, letter, text):
    _check_svg(variation_icon(point_type, improvement), colour, letter, text)


@pytest.mark.parametrize(("status", "colour", "letter", "text"), ASSURANCE)
def test_assurance_icons(status, colour, letter, text):
    _check_svg(assurance_icon(status), colour, letter, text)


def test_data_uri():
    icon = assurance_icon("consistent_pass")
    prefix = "data:image/svg+xml;base64,"
    assert icon.data_uri.startswith(prefix)
    assert base64.b64decode(icon.data_uri[len(prefix) :]).decode() == icon.svg


def test_icons_are_frozen_and_repeatable():
    icon = variation_icon("common_cause", "increase")
    assert icon == variation_icon("common_cause", "increase")
    with pytest.raises(AttributeError):
        icon.text = "x"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: variation_icon("special", "increase"), "point_type must be one of 'common_cause'"),
        (
            lambda: variation_icon("common_cause", "up"),
            "improvement must be 'increase', 'decrease' or 'neutral', not 'up'",
        ),
        (
            lambda: variation_icon("special_cause_concern", "neutral"),
            "needs improvement 'increase' or 'decrease', not 'neutral'",
        ),
        (lambda: assurance_icon("pass"), "assurance must be 'consistent_pass'"),
    ],
)
def test_icon_errors(call, message):
    with pytest.raises(ParameterError, match=message):
        call()
