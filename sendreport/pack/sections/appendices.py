"""The four appendices: definitions (A), data quality (B), evidence (C), provenance (D)."""

from __future__ import annotations

from typing import Any

from sendreport.pack.facts import PackFacts
from sendreport.pack.sections.headings import evidence_anchor
from sendreport.pack.templating import render
from sendreport.params import FILE_KEYS, READ_MAPPING_KEYS, applied_mapping
from sendreport.tables import Cell, Table, build_table
from sendreport.validation.rules import Rule
from sendreport.vocabulary import format_value, long_date


def definitions_html(pack: PackFacts) -> str:
    """Appendix A: the definition and source of every KPI in ``kpis.csv``."""
    from sendreport.metrics import KPI_DEFINITIONS
    from sendreport.metrics.reference import computed_from

    rows = []
    sen2 = "sen2" in pack.params.data
    for kid in dict.fromkeys(pack.kpis["kpi_id"]):
        if kid in KPI_DEFINITIONS:
            d = KPI_DEFINITIONS[kid]
            rows.append([Cell(d.title, header=True), kid, d.definition,
                         computed_from(d, sen2=sen2)])
        elif kid in pack.measure_titles:
            title, unit, source = pack.measure_titles[kid]
            rows.append(
                [
                    Cell(title, header=True),
                    kid,
                    f"Latest value in the period from the measures table ({unit}).",
                    source,
                ]
            )
    table = build_table(
        ["Measure", "Id", "Definition", "Source"],
        rows,
        caption="KPI definitions",
        threshold=pack.params.suppression_threshold,
    )
    from sendreport.pack.verdict import VERDICT_RULES

    return render("definitions.html.j2", table=table, verdict_rules=VERDICT_RULES)


INFORMATION_RULES = frozenset(
    {Rule.VALUE_NORMALISED, Rule.VALUE_RECODED, Rule.ENCODING_WINDOWS_1252}
)
"""``data_quality.csv`` rules that are information, not problems: Appendix B prints them apart."""


def is_information(rule: str) -> bool:
    """True for a ``data_quality.csv`` rule Appendix B prints as information, not a problem."""
    return rule in INFORMATION_RULES or Rule.NON_CANONICAL.holds(rule)


RULE_WORDS = {
    Rule.EXPORTED_TO_ANOTHER_LA: "Exported to another local authority",
    Rule.HISTORICAL_CHAIN: "Historical chain (H), not activity",
}
"""A rule's words where ``rule_name`` capitalised would not read (``la``, a bare code)."""

RULE_NOTES = {
    Rule.HISTORICAL_CHAIN: (
        "Historical chain (H): a request a SEN2 return carries only to hold an older EHC plan "
        "(outcome H). It is counted once in each return that repeats it, so the count can "
        "exceed the rows read: it is not a request of the returns' years, not among the rows "
        "read and never counted as activity."
    ),
}
"""What a rule counts, printed under the table when the table shows it."""


def rule_words(rule: str) -> str:
    """A ``data_quality.csv`` rule as Appendix B names it.

    Examples
    --------
    >>> rule_words("exported_to_another_la"), rule_words("rows_read")
    ('Exported to another local authority', 'Rows read')
    """
    return RULE_WORDS.get(rule, rule.replace("_", " ").capitalize())


def _quality_rows(pack: PackFacts, rows: list) -> list[list]:
    return [
        [
            Cell(r.table, header=True),
            r.file,
            r.column or "(whole row)",
            rule_words(str(r.rule)),
            Cell(
                format_value(
                    r.count,
                    "count",
                    suppressed=bool(getattr(r, "suppressed", False))
                    and pack.params.audience != "internal",
                ),
                numeric=True,
            ),
        ]
        for r in rows
    ]


def _recode_rows(pack: PackFacts) -> list[list]:
    """Local value, canonical value and records, withheld as the disclosure rule says."""
    from sendreport.csvsafe import looks_like_formula, looks_like_name

    recodes = getattr(pack, "recodes", None)
    if recodes is None or recodes.empty:
        return []
    hidden = pack.params.audience != "internal"
    rows = []
    for r in recodes.itertuples():
        local = str(r.value)
        if looks_like_name(local) or looks_like_formula(local):
            local = "(not shown: looks like a name or a formula)"
        withheld = bool(getattr(r, "suppressed", False)) and hidden
        rows.append([Cell(r.table, header=True), r.column, local, r.canonical,
                     Cell(format_value(r.rows, "count", suppressed=withheld), numeric=True)])
    return rows


def data_quality_html(pack: PackFacts) -> str:
    """Appendix B: problems (read, left out, excluded, to query), queries' impact, recodes.

    Every row of ``data_quality.csv`` is printed, as that file publishes it
    (after the disclosure rule): the rules that are information (values tidied
    or recoded) in a table of their own, with the records each local value
    recoded (the disclosure rule applied to them too).
    """
    from sendreport.metrics.queried import UNDER_QUERY

    threshold = pack.params.suppression_threshold
    records = list(pack.quality.itertuples())
    queried = [r for r in records if str(r.rule) == UNDER_QUERY]
    problems = [r for r in records if not is_information(str(r.rule))]
    notes = [r for r in records if is_information(str(r.rule))]
    header = ["Table", "File", "Column", "Rule", "Rows"]
    table = (
        build_table(header, _quality_rows(pack, problems),
                    caption="Rows read, left out, excluded and to query",
                    numeric_columns=(4,), threshold=threshold)
        if problems else None
    )
    corrected = (
        build_table(header, _quality_rows(pack, notes),
                    caption="Values tidied or recoded (information, not problems)",
                    numeric_columns=(4,), threshold=threshold)
        if notes else None
    )
    hidden = pack.params.audience != "internal"
    under_query = (
        build_table(
            ["Table", "Records", "The period's figures with them -> without them"],
            [[Cell(r.table, header=True),
              Cell(format_value(r.count, "count",
                                suppressed=bool(getattr(r, "suppressed", False)) and hidden),
                   numeric=True),
              str(getattr(r, "impact", "") or "")] for r in queried],
            caption="Records under query, counted in every figure, and what excluding them "
                    "would change", numeric_columns=(1,), threshold=threshold)
        if queried else None
    )
    recode_rows = _recode_rows(pack)
    recoded = (
        build_table(["Table", "Column", "Local value", "Canonical value", "Records"],
                    recode_rows, caption="Local values recoded by the params file",
                    numeric_columns=(4,), threshold=threshold)
        if recode_rows else None
    )
    internal = pack.params.audience == "internal"
    return render(
        "data_quality.html.j2",
        table=table,
        rule_notes=[RULE_NOTES[r] for r in RULE_NOTES if r in {str(p.rule) for p in problems}],
        under_query=under_query,
        corrected=corrected,
        recoded=recoded,
        threshold=threshold,
        shown="are shown unsuppressed (internal pack)" if internal else "are shown as c",
        suppressed=int(pack.kpis["suppressed"].sum()) if "suppressed" in pack.kpis else 0,
        total=len(pack.kpis),
    )


def evidence_html(pack: PackFacts) -> str:
    """Appendix C: the evidence index."""
    table = None
    if pack.plan.evidence:
        table = build_table(
            ["Id", "Document", "Date", "Owner"],
            [
                [Cell(e.id, header=True, anchor=evidence_anchor(e.id)), e.title,
                 long_date(e.date) or "x", e.owner or "x"]
                for e in pack.plan.evidence
            ],
            caption="Evidence index",
            threshold=pack.params.suppression_threshold,
        )
    return render("evidence.html.j2", table=table)


def provenance_html(pack: PackFacts) -> str:
    """Appendix D: input hashes, params, software versions and how to verify."""
    from sendreport.outputs import package_versions, sha256_file

    p = pack.params
    files = [
        [Cell(label, header=True), path.name, sha256_file(path)]
        for label, path in p.input_files().items()
    ]
    # a mapping key prints only the tables it was applied to: those read from their own file
    given = {k: applied_mapping(p, k) if k in READ_MAPPING_KEYS else v
             for k, v in p.to_notebook().items()}
    shown = {
        k: v
        for k, v in given.items()
        if k not in (*FILE_KEYS, "data", "exclude", *MAPPING_TABLES) and v not in (None, {}, "", [])
    }
    params_rows = [[Cell(k, header=True), _parameter_text(v)] for k, v in shown.items()]
    versions = package_versions()
    versions.pop("python", None)
    return render(
        "provenance.html.j2",
        files=build_table(
            ["Input", "File", "SHA-256"], files, caption="Input files", css_class="provenance"
        ),
        parameters=build_table(["Parameter", "Value"], params_rows, caption="Parameters"),
        mappings=[t for t in (mapping_table(p, key) for key in MAPPING_TABLES) if t is not None],
        versions=", ".join(f"{k} {v}" for k, v in versions.items()),
    )


MAPPING_TABLES = ("columns", "values", "split")
"""Params keys Appendix D prints as tables of their own, one row per local name or value."""


def _parameter_text(value: Any) -> str:
    """A parameter as words: a per-table mapping as ``table: value`` pairs, not a dict.

    Examples
    --------
    >>> _parameter_text({"requests": "%d/%m/%Y", "reviews": "%Y-%m-%d"})
    'requests: %d/%m/%Y; reviews: %Y-%m-%d'
    """
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_parameter_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(_parameter_text, value))
    return str(value)


def mapping_table(params: Any, key: str) -> Table | None:
    """Appendix D's table of one mapping key (``columns``, ``values`` or ``split``).

    Only the tables the mapping was applied to, those read from their own file
    (:func:`sendreport.params.applied_mapping`), are printed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(suppression_threshold=5, data={"requests": "r.csv"}, values={
    ...     "requests": {"request_outcome": {"Refused": "not_assess", True: "assess"}},
    ...     "reviews": {"review_outcome": {"Held": "held"}}})
    >>> [[c.text for c in row.cells] for row in mapping_table(p, "values").rows]
    [['requests', 'request_outcome', 'Refused', 'not_assess'], \
['requests', 'request_outcome', 'true (YAML read Yes, On or Y as true)', 'assess']]
    """
    mapping = applied_mapping(params, key)
    rows: list[list[Cell | str]] = []
    for table, entries in mapping.items():
        for local, target in entries.items():
            if key == "columns":
                rows.append([Cell(table, header=True), str(local), _parameter_text(target)])
            elif key == "values":
                rows += [[Cell(table, header=True), str(local), _local_text(value), str(code)]
                         for value, code in target.items()]
            else:
                rows += [[Cell(table, header=True), str(local), _local_text(value),
                          "; ".join(f"{f}: {v}" for f, v in fields.items())]
                         for value, fields in target.items()]
    if not rows:
        return None
    headers = {
        "columns": (["Table", "Local column", "Canonical column"], "Columns mapped (columns:)"),
        "values": (["Table", "Column", "Local value", "Canonical value"],
                   "Values mapped (values:)"),
        "split": (["Table", "Local column", "Local value", "Canonical columns it fills"],
                  "One column into several (split:)"),
    }
    header, caption = headers[key]
    return build_table(header, rows, caption=caption, threshold=params.suppression_threshold)


def _local_text(value: Any) -> str:
    if isinstance(value, bool):
        words = "Yes, On or Y" if value else "No, Off or N"
        return f"{str(value).lower()} (YAML read {words} as {str(value).lower()})"
    return str(value)


def appendices_html(pack: PackFacts) -> str:
    """All four appendices."""
    return (
        definitions_html(pack)
        + data_quality_html(pack)
        + evidence_html(pack)
        + provenance_html(pack)
    )
