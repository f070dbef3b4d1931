"""SPEC 7: the disclosure rule exists once, in ``sendreport/disclosure/rule.py``.

A comparison of a figure against the threshold anywhere else is a second copy
of the rule, which drifts (issue 21 found four, three of them weaker): call
``is_small``, ``percentage_is_small``, ``figure_is_small`` or ``protect_lines``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE = ROOT / "sendreport" / "disclosure" / "rule.py"

COPIES = [
    # n < threshold, 0 < float(v) < pack.params.suppression_threshold, n >= threshold
    re.compile(r"(?<![<>=-])[<>]=?\s*[\w.()\[\]\"']*threshold\b"),
    # threshold > n (the params check against the least allowed threshold is no copy)
    re.compile(r"\b\w*threshold\s*[<>]=?\s*(?!MIN_SHARED_THRESHOLD\b)[\w.(]"),
    # the shape of is_small itself: (values >= 1) & ...
    re.compile(r">=\s*1\)\s*&"),
]


def sources() -> list[tuple[str, str]]:
    """Every line of the package's code and of the bundled notebooks' code cells."""
    out = []
    for path in sorted((ROOT / "sendreport").rglob("*.py")):
        if path != RULE:
            out += [(f"{path.relative_to(ROOT)}:{i}", line)
                    for i, line in enumerate(path.read_text().splitlines(), start=1)]
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for n, cell in enumerate(json.loads(path.read_text())["cells"]):
            if cell["cell_type"] == "code":
                out += [(f"{path.relative_to(ROOT)} cell {n}", line)
                        for line in "".join(cell["source"]).splitlines()]
    return out


def copies_of_the_rule(lines: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {line.strip()}" for where, line in lines
            if any(p.search(line) for p in COPIES)]


def test_the_threshold_comparison_is_in_rule_py_only():
    assert copies_of_the_rule(sources()) == []


def test_the_check_finds_the_copies_issue_21_removed():
    old = [
        ("sections.py:484", "suppressed |= 0 < float(value) < pack.params.suppression_threshold"),
        ("sections.py:944", "                not is_missing(n) and 0 < n < threshold"),
        ("families.py:169", "        if float(before) < pack.params.suppression_threshold:"),
        ("nb", 'shown = by_stage[(by_stage["plans"] >= threshold) | (not shared)]'),
        ("rule.py", "        return (values >= 1) & (values < threshold)"),
        ("x.py", "    if threshold > count:"),
    ]
    assert len(copies_of_the_rule(old)) == len(old)
    allowed = [("params.py:204", "        and threshold < MIN_SHARED_THRESHOLD"),
               ("cells.py", "    check_threshold(threshold)"),
               ("cells.py", "    >>> declare_run(threshold=10, audience='shared')"),
               ("cells.py", "def f(threshold: int) -> threshold_type:")]
    assert copies_of_the_rule(allowed) == []


def test_rule_py_holds_the_comparison():
    assert copies_of_the_rule([("rule.py", line) for line in RULE.read_text().splitlines()])
