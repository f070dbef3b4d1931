"""Variation and assurance icons in the Making Data Count style, drawn as small SVGs.

Each icon is a circle in the Making Data Count colour of its meaning with a
letter and a few dots, and always comes with a text equivalent: the ``text``
of an :class:`Icon` is its ``<title>`` and the ``alt`` of its ``<img>``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cached_property

import jinja2

from sendreport.charts.theme import MDC_COLOURS
from sendreport.errors import ParameterError
from sendreport.spc import POINT_TYPES
from sendreport.vocabulary import IMPROVEMENTS

__all__ = ["ASSURANCES", "Icon", "assurance_icon", "compile_templates", "variation_icon"]

ASSURANCES = ("consistent_pass", "consistent_fail", "inconsistent", None)
SIZE = 40
"""Width and height of an icon in pixels."""


@dataclass(frozen=True)
class Icon:
    """A small self-contained SVG and its text equivalent.

    Attributes
    ----------
    svg
        The SVG document, with a ``<title>`` equal to ``text``.
    text
        What the icon says, in words, for screen readers and beside the icon.
    """

    svg: str
    text: str

    @cached_property
    def data_uri(self) -> str:
        """The SVG as a base64 ``data:`` URI for ``<img src=...>``."""
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("sendreport.charts", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
)


def compile_templates() -> int:
    """Compile the icon templates now (see :func:`sendreport.pack.warm`).

    Examples
    --------
    >>> compile_templates() >= 1
    True
    """
    names = _TEMPLATES.list_templates(filter_func=lambda name: name.endswith(".j2"))
    for name in names:
        _TEMPLATES.get_template(name)
    return len(names)


def _svg(
    *,
    colour: str,
    letter: str,
    dots: list[tuple[float, float]],
    text: str,
    target: str | None = None,
    dashed_ring: bool = False,
) -> str:
    """Circle ring, a letter at the top and a dot pattern below it (``icon.svg.j2``)."""
    grey = MDC_COLOURS["common_cause"]
    # The last two dots take the icon's colour, unless the icon is the grey of common cause.
    fills = [colour if i >= len(dots) - 2 and colour != grey else grey for i in range(len(dots))]
    return _TEMPLATES.get_template("icon.svg.j2").render(
        size=SIZE,
        text=text,
        colour=colour,
        dashed_ring=dashed_ring,
        target=target,
        grey=grey,
        dots=[(x, y, fill) for (x, y), fill in zip(dots, fills, strict=True)],
        letter=letter,
    )


_RISING = [(10, 30), (15, 28), (20, 29), (25, 25), (30, 23)]
_FALLING = [(10, 23), (15, 25), (20, 24), (25, 28), (30, 30)]
_FLAT = [(10, 26), (15, 29), (20, 24), (25, 28), (30, 26)]

_VARIATION_WORDS = {
    ("special_cause_improvement", "increase"): ("H", "higher", "higher is better"),
    ("special_cause_improvement", "decrease"): ("L", "lower", "lower is better"),
    ("special_cause_concern", "increase"): ("L", "lower", "higher is better"),
    ("special_cause_concern", "decrease"): ("H", "higher", "lower is better"),
}


def variation_icon(point_type: str, improvement: str) -> Icon:
    """Return the variation icon of a series, from the type of its last point.

    Parameters
    ----------
    point_type
        One of :data:`sendreport.spc.POINT_TYPES` (see :func:`sendreport.spc.variation`).
    improvement
        ``"increase"``, ``"decrease"`` or ``"neutral"``.

    Returns
    -------
    Icon
        Grey for common cause, blue for improvement, orange for concern and
        purple for neutral special cause; ``H`` or ``L`` says whether the
        special cause is high or low.

    Raises
    ------
    ParameterError
        For an unknown point type or improvement, or an improvement or concern
        with a neutral direction.

    Examples
    --------
    >>> variation_icon("special_cause_improvement", "increase").text
    'Special cause improvement: significantly higher, and higher is better'
    """
    if point_type not in POINT_TYPES:
        choices = ", ".join(repr(p) for p in POINT_TYPES)
        raise ParameterError(f"point_type must be one of {choices}, not {point_type!r}")
    if improvement not in IMPROVEMENTS:
        raise ParameterError(
            f"improvement must be 'increase', 'decrease' or 'neutral', not {improvement!r}"
        )
    if point_type == "common_cause":
        text = "Common cause variation: no significant change"
        svg = _svg(colour=MDC_COLOURS["common_cause"], letter="", dots=_FLAT, text=text)
        return Icon(svg, text)
    if point_type.startswith("special_cause_neutral"):
        high = point_type.endswith("high")
        word = "higher" if high else "lower"
        text = f"Special cause variation: significantly {word}, neither direction is better"
        svg = _svg(
            colour=MDC_COLOURS["neutral"],
            letter="H" if high else "L",
            dots=_RISING if high else _FALLING,
            text=text,
        )
        return Icon(svg, text)
    if improvement == "neutral":
        raise ParameterError(
            f"point_type {point_type!r} needs improvement 'increase' or 'decrease', not 'neutral'"
        )
    letter, word, better = _VARIATION_WORDS[(point_type, improvement)]
    kind = "improvement" if point_type == "special_cause_improvement" else "concern"
    text = f"Special cause {kind}: significantly {word}, and {better}"
    if kind == "concern":
        text = f"Special cause concern: significantly {word}, where {better}"
    svg = _svg(
        colour=MDC_COLOURS[kind],
        letter=letter,
        dots=_RISING if letter == "H" else _FALLING,
        text=text,
    )
    return Icon(svg, text)


def assurance_icon(assurance: str | None) -> Icon:
    """Return the assurance icon of a series against its target.

    Parameters
    ----------
    assurance
        ``"consistent_pass"``, ``"consistent_fail"``, ``"inconsistent"`` or
        None (no target, or a neutral measure); see :func:`sendreport.spc.assurance`.

    Returns
    -------
    Icon
        Blue ``P`` for a target consistently met, orange ``F`` for one
        consistently missed, grey ``?`` for hit and miss, and a dashed grey
        ring for no assurance.

    Raises
    ------
    ParameterError
        For an unknown value.

    Examples
    --------
    >>> assurance_icon("consistent_pass").text
    'Consistently passing the target'
    """
    if assurance not in ASSURANCES:
        raise ParameterError(
            "assurance must be 'consistent_pass', 'consistent_fail', 'inconsistent' or None, "
            f"not {assurance!r}"
        )
    target = MDC_COLOURS["target"]
    if assurance == "consistent_pass":
        text = "Consistently passing the target"
        dots = [(11, 22), (16, 21), (21, 23), (26, 21), (31, 22)]
        svg = _svg(
            colour=MDC_COLOURS["improvement"], letter="P", dots=dots, text=text, target=target
        )
    elif assurance == "consistent_fail":
        text = "Consistently failing the target"
        dots = [(11, 31), (16, 32), (21, 30), (26, 32), (31, 31)]
        svg = _svg(colour=MDC_COLOURS["concern"], letter="F", dots=dots, text=text, target=target)
    elif assurance == "inconsistent":
        text = "Inconsistent: the target will be met only some of the time"
        dots = [(11, 23), (16, 31), (21, 24), (26, 31), (31, 23)]
        svg = _svg(
            colour=MDC_COLOURS["common_cause"], letter="?", dots=dots, text=text, target=target
        )
    else:
        text = "No target assurance: no target set or no better direction"
        svg = _svg(
            colour=MDC_COLOURS["common_cause"],
            letter="\u2013",
            dots=[],
            text=text,
            dashed_ring=True,
        )
    return Icon(svg, text)
