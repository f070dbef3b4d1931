"""The families edition's plain-English list: jargon with its plain words, acronyms with theirs.

The families edition (REPORT.md, "The families edition") is read by parents,
carers and young people. Words the plan or the services use among themselves
are put into plain words before they are printed (:func:`plain`), every
acronym is spelt out the first time it is used (:func:`spell_out`), and
:func:`plain_english_problems` checks a finished text against the same list:
no jargon, no acronym without its words, whole numbers only. The tests run it
on the printed editions of both demo plans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableSequence

JARGON: tuple[tuple[str, str], ...] = (
    # an NHS body's name, whole, before its parts below
    (r"\bNHS\b[\w ,&-]*?\bIntegrated Care Board\b", "the NHS in our area"),
    (r"\b(?:the )?Integrated Care Boards?\b", "the NHS in our area"),
    (r"\b(?:the )?ICBs?\b", "the NHS in our area"),
    (r"\brequests? (?:still )?open (?:after|over|for more than) 20 weeks\b",
     "families still waiting for an answer 20 weeks after asking for an EHC plan"),
    (r"\bEHC needs assessments?\b", "assessment for an EHC plan"),
    (r"\bannual reviews\b", "yearly reviews"),
    (r"\bannual review\b", "yearly review"),
    (r"\bco-production(?: with families)?\b", "working together with families"),
    (r"\bneurodevelopmental pathways?\b", "autism and ADHD assessments"),
    (r"\bneurodevelopmental\b", "autism and ADHD"),
    (r"\bmulti-agency audit\b", "check by the council and the NHS together"),
    (r"\bmulti-agency\b", "shared by the council and the NHS"),
    (r"\bcommunity paediatrics\b", "children's doctors (community paediatrics)"),
    (r"\bpaediatrician\b", "children's doctor"),
    (r"\blocal authority\b", "the council"),
    (r"\btrajector(?:y|ies)\b", "where we planned to be"),
    (r"\bbaseline\b", "when the plan started"),
    (r"\bmedian\b", "half of the children"),
    (r"\bpercentile\b", "most of the children"),
    (r"\bstocktake\b", "check on how the plan is going"),
    (r"\bKPIs?\b", "measure"),
    (r"\bcohort\b", "group of children"),
)
"""``(pattern, plain words)``: jargon (a regular expression, any letter case) and what to say."""

ACRONYMS: dict[str, str] = {
    "SEND": "special educational needs and disabilities",
    "SEN": "special educational needs",
    "EHC plan": "education, health and care plan",
    "EHCP": "education, health and care plan",
    "ADHD": "attention deficit hyperactivity disorder",
    "ASD": "autism",
    "SLT": "speech and language therapy",
    "SaLT": "speech and language therapy",
    "SALT": "speech and language therapy",
    "NHS": "National Health Service",
    "SENDIASS": "Special Educational Needs and Disabilities Information, Advice and Support "
    "Service",
    "SENCO": "the teacher who leads on special educational needs at school",
    "CAMHS": "children and young people's mental health services",
    "EP": "educational psychologist",
    "OT": "occupational therapy",
    "LA": "the council",
    "WSoA": "Written Statement of Action",
    "PAP": "Priority Action Plan",
}
"""Every acronym the edition may use, with its words (the key is what follows them in brackets).

No acronym's words hold another acronym, so spelling one out never brings in a new one."""

ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z][A-Za-z]*\b")
"""A word with two or more capital letters: an acronym (``ADHD``, ``WSoA``)."""

DECIMAL = re.compile(r"\d\.\d")


def plain(text: str) -> str:
    """Text from the plan (a title, a partner's name) with its jargon put in plain words.

    Examples
    --------
    >>> plain("Demoshire County Council and NHS Demoshire Integrated Care Board")
    'Demoshire County Council and the NHS in our area'
    >>> plain("Decisions after annual reviews")
    'Decisions after yearly reviews'
    >>> plain("Community paediatrics and occupational therapy")
    "Children's doctors (community paediatrics) and occupational therapy"
    """
    out = text
    for pattern, words in JARGON:
        kept = _plain_spans(out)
        pieces, last = [], 0
        for m in re.finditer(pattern, out, re.IGNORECASE):
            if any(a <= m.start() < b for a, b in kept):
                continue  # already in plain words
            pieces += [out[last:m.start()], _like(m.group(0), words, m.start() == 0)]
            last = m.end()
        out = "".join(pieces) + out[last:]
    return out


def _like(found: str, words: str, first: bool) -> str:
    """``words`` with a capital when the jargon started the text with one."""
    if first and found[:1].isupper():
        return words[:1].upper() + words[1:]
    return words


def _plain_spans(text: str) -> list[tuple[int, int]]:
    """Where the plain forms of :data:`JARGON` already stand in ``text``."""
    return [
        (m.start(), m.end())
        for _, words in JARGON
        for m in re.finditer(re.escape(words), text, re.IGNORECASE)
    ]


def _without_plain_words(text: str) -> str:
    """The text with every plain form taken out, so a plain form is never read as jargon."""
    for _, words in JARGON:
        text = re.sub(re.escape(words), " ", text, flags=re.IGNORECASE)
    return text


def _spelt(text: str, key: str) -> int:
    """Where ``key`` is first spelt out in ``text`` (``-1``: nowhere).

    ``words (KEY)``, ``KEY means words`` and ``KEY is the words`` spell it out.
    """
    words = re.escape(ACRONYMS[key])
    k = re.escape(key)
    forms = (rf"{words}\s*\({k}\)", rf"\b{k} means {words}", rf"\b{k} is the {words}")
    hits = [m.start() for f in forms if (m := re.search(f, text, re.IGNORECASE))]
    return min(hits) if hits else -1


def _key_of(token: str, text: str, at: int) -> str | None:
    """The :data:`ACRONYMS` key of a capitalised word at ``at`` (``EHC`` -> ``EHC plan``)."""
    for key in sorted(ACRONYMS, key=len, reverse=True):
        if key.split()[0] == token and text.startswith(key, at):
            return key
    return token if token in ACRONYMS else None


def spell_out(texts: MutableSequence[str], names: Iterable[str] = ()) -> None:
    """Spell out each acronym where it is first used, in place, across texts in printed order.

    ``names`` (the area's name) are names, not our words, and are left as they are.

    Examples
    --------
    >>> texts = ["More children wait for ADHD assessment.", "ADHD waits are long."]
    >>> spell_out(texts)
    >>> texts
    ['More children wait for attention deficit hyperactivity disorder (ADHD) assessment.', \
'ADHD waits are long.']
    >>> texts = ["Part 10 of the plan: ADHD assessment"]
    >>> spell_out(texts)
    >>> texts
    ['Part 10 of the plan: Attention deficit hyperactivity disorder (ADHD) assessment']
    """
    said = " "
    for i, text in enumerate(texts):
        out = text
        while (first := _first_unspelt(said, _mask(out, names))) is not None:
            at, key = first
            words = ACRONYMS[key]
            if not out[:at].strip() or out[:at].rstrip().endswith((":", ".")):
                words = words[:1].upper() + words[1:]  # it starts a sentence or a title
            out = f"{out[:at]}{words} ({key}){out[at + len(key):]}"
        texts[i] = out
        said += " " + out


def _first_unspelt(said: str, text: str) -> tuple[int, str] | None:
    """Where in ``text`` an acronym is first used before its words (``None``: nowhere)."""
    for m in ACRONYM.finditer(text):
        key = _key_of(m.group(0), text, m.start())
        if key is None:
            continue
        end = text.find(".", m.end())
        if _spelt(f"{said} {text[: end if end >= 0 else len(text)]}", key) < 0:
            return m.start(), key
    return None


def _mask(text: str, names: Iterable[str]) -> str:
    """``text`` with each name blanked out (same length), so its capitals are not acronyms."""
    for name in names:
        if name:
            text = text.replace(name, " " * len(name))
    return text


def plain_english_problems(text: str, names: Iterable[str] = ()) -> list[str]:
    """What breaks the plain-English rules in a finished text, one line each.

    Jargon of :data:`JARGON`; an acronym not in :data:`ACRONYMS`, or used before
    (or without) its words; a number with decimals. ``names`` (the area's name,
    the page marking) are not read.

    Examples
    --------
    >>> plain_english_problems("The Integrated Care Board said ADHD waits are 12.5 weeks.")
    ... # doctest: +NORMALIZE_WHITESPACE
    ["jargon 'The Integrated Care Board': say 'the NHS in our area'",
     "acronym 'ADHD' is used without its words 'attention deficit hyperactivity disorder'",
     "a number with decimals: '12.5'"]
    >>> plain_english_problems("Children with special educational needs and disabilities "
    ...                        "(SEND) wait 13 weeks. SEND services are better.")
    []
    """
    problems = []
    text = _mask(text, names)
    bare = _without_plain_words(text)
    for pattern, words in JARGON:
        m = re.search(pattern, bare, re.IGNORECASE)
        if m:
            problems.append(f"jargon {m.group(0)!r}: say {words!r}")
    seen: set[str] = set()
    for m in ACRONYM.finditer(text):
        key = _key_of(m.group(0), text, m.start())
        if key is None:
            if m.group(0) not in seen:
                problems.append(f"acronym {m.group(0)!r} is not in the plain-English list")
            seen.add(m.group(0))
            continue
        if key in seen:
            continue
        seen.add(key)
        spelt = _spelt(text, key)
        end = text.find(".", m.end())
        if spelt < 0 or spelt > (end if end >= 0 else len(text)):
            problems.append(f"acronym {key!r} is used without its words {ACRONYMS[key]!r}")
    for m in re.finditer(r"\d[\d,]*\.\d+", text):
        problems.append(f"a number with decimals: {m.group(0)!r}")
    return problems


def heading_problems(headings: Iterable[str]) -> list[str]:
    """Headings with more than one colon: a plan's heading copied under a label of ours.

    Examples
    --------
    >>> heading_problems(["Part 1 of the plan: Identify needs: timely plans", "What next"])
    ["heading 'Part 1 of the plan: Identify needs: timely plans' has 2 colons"]
    """
    return [f"heading {h!r} has {h.count(':')} colons" for h in headings if h.count(":") > 1]
