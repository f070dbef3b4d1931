"""The pack's HTML from Jinja2 templates: every value is escaped as text on the way out.

Sections compute plain data (strings, numbers, :class:`sendreport.tables.Table`,
icons, chart images); the templates in ``templates/sections/`` turn it into
HTML. Autoescaping is on, so text from params, plans and data can never open an
element, close a ``<style>`` block or add an attribute. CSS values (the
classification and area name in ``@page`` rules) go through :func:`css_string`,
and HTML ids through :func:`slug`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sendreport.outputs import css_string

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""The pack's templates: ``sections/`` (the pack's parts)."""
SECTION_TEMPLATES = TEMPLATE_DIR / "sections"


def slug(value: Any) -> str:
    """Lower-case ASCII letters, digits and single hyphens: safe as an HTML id or fragment.

    Examples
    --------
    >>> slug("ehcp_20wk_excl")
    'ehcp-20wk-excl'
    >>> slug('x" onmouseover="alert(1)')
    'x-onmouseover-alert-1'
    """
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _as_text(value: Any) -> Any:
    """Escape every printed value as the report always has (``html.escape``, quotes too)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value)))


INLINE_TAGS = ("a", "abbr", "b", "cite", "code", "em", "i", "kbd", "q", "small", "span",
               "strong", "sub", "sup", "time")
"""Elements that sit inside a line of text: a line break beside them is a space."""
_OPENS_INLINE = re.compile(rf"<(?:{'|'.join(INLINE_TAGS)})[\s>]")
_CLOSES_INLINE = re.compile(rf"</(?:{'|'.join(INLINE_TAGS)})>$")


def join_lines(source: str) -> str:
    r"""Join a template's lines so that layout in the file is not layout in the HTML.

    Indentation goes; a line break next to a tag or a block tag is nothing, and a
    line break between two pieces of text is one space. An inline element
    (:data:`INLINE_TAGS`: ``<code>``, ``<a>``, ``<b>``...) is part of the text
    around it: a line break between text and ``<code>`` or after ``</code>`` is
    one space too.

    Examples
    --------
    >>> join_lines("<p>\n  One sentence\n  runs on.\n</p>\n{% if x %}\n  <b>x</b>\n{% endif %}")
    '<p>One sentence runs on.</p>{% if x %}<b>x</b>{% endif %}'
    >>> join_lines("The column of\n<code>kpis.csv</code>\nsays why.")
    'The column of <code>kpis.csv</code> says why.'
    """
    out = ""
    for line in (ln.strip() for ln in source.splitlines()):
        if not line:
            continue
        text_before = out and (not out.endswith((">", "%}", "#}")) or _CLOSES_INLINE.search(out))
        text_after = not line.startswith(("<", "{%", "{#")) or _OPENS_INLINE.match(line)
        if text_before and text_after:
            out += " "
        out += line
    return out


@cache
def environment(folder: str | None = None):
    """The Jinja2 environment of the section templates (autoescape on, strict undefined).

    ``folder`` puts another edition's templates first (the comparison edition's),
    with the section templates and their macros behind them.
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    class Loader(FileSystemLoader):
        def get_source(self, environment, template):
            source, filename, uptodate = super().get_source(environment, template)
            return join_lines(source), filename, uptodate

    env = Environment(
        loader=Loader([folder, str(SECTION_TEMPLATES)] if folder else str(SECTION_TEMPLATES)),
        autoescape=True,
        finalize=_as_text,
        undefined=StrictUndefined,
    )
    env.filters["css_string"] = css_string
    env.filters["slug"] = slug
    return env


def compile_templates() -> int:
    """Compile every section template now, as a pack's first use of each would.

    Jinja keeps compiled templates in :func:`environment`, so a process forked
    afterwards (a batch worker's kernels, :mod:`sendreport.run.forkserver`)
    starts with them compiled.

    Returns
    -------
    int
        How many templates were compiled.

    Examples
    --------
    >>> compile_templates() >= len(list(SECTION_TEMPLATES.glob("*.j2")))
    True
    """
    env = environment()
    names = env.list_templates(filter_func=lambda name: name.endswith(".j2"))
    for name in names:
        env.get_template(name)
    return len(names)


def render(template: str, **data: Any) -> str:
    """Render one of the section templates with plain data.

    Parameters
    ----------
    template
        File name in ``templates/sections/``, e.g. ``"cover.html.j2"``.
    **data
        The values the template prints; text is escaped.

    Returns
    -------
    str
        The HTML fragment (or document).

    Examples
    --------
    >>> render("contents.html.j2", entries=[("summary", "Plans <b>on</b> time")]).split("<ol>")[1]
    '<li><a href="#summary">Plans &lt;b&gt;on&lt;/b&gt; time</a></li></ol></section>'
    """
    return environment().get_template(template).render(**data).strip()
