"""``load_data()``: read, map, convert and validate the input tables.

The one place where data is distrusted. Structural problems (a file missing or
unreadable, a required column missing, an unknown table) and too many excluded
rows raise :class:`~sendreport.errors.DataValidationError`, listing every
problem of every table, one line each. Row-level problems exclude the row and
are counted by table, column and rule in ``LoadedData.quality``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from sendreport.errors import DataValidationError, SendReportWarning
from sendreport.io import WINDOWS_1252, RawTable, read_table
from sendreport.validation.codes import (
    boolean_keys,
    describe_values,
    fold,
    unmatched_message,
    value_counts,
)
from sendreport.validation.convert import Split, clean, convert, is_blank, split_column, to_text
from sendreport.validation.exclude import PERSON, ExcludeList, read_exclude
from sendreport.validation.rules import Rule
from sendreport.validation.schemas import RULE_SEPARATOR, TABLES, ColumnSpec, TableSpec, schema
from sendreport.validation.suspects import query_checks

DATA_TABLES = (*TABLES, "sen2")
"""Names ``data`` may use: the input tables, and ``sen2`` (a SEN2 return, SPEC 4.6)
that fills ``requests`` and ``reviews``."""

QUALITY_COLUMNS = ("table", "file", "column", "rule", "count")
FAILURE_COLUMNS = ("table", "file", "column", "rule", "count", "example_rows")
CODE_COLUMNS = ("table", "column", "value", "rows", "status")
UNUSED_COLUMNS = ("table", "column", "status")
RECODE_COLUMNS = ("table", "column", "value", "canonical", "rows")
SPLIT_COLUMNS = ("table", "column", "field", "value", "rows")
SPLIT = "split:"
"""Prefix under which a ``split:`` column's cells travel until it is split."""
_NO_SPLIT: Mapping = {}
EXAMPLES = 5
"""How many example row numbers a summary or error message shows per rule."""

_INVALID_RULE = {
    "date": Rule.INVALID_DATE,
    "bool": Rule.INVALID_BOOLEAN,
    "int": Rule.INVALID_WHOLE_NUMBER,
    "number": Rule.INVALID_NUMBER,
}


@dataclass(frozen=True)
class LoadedData:
    r"""Validated input tables and their data quality counts.

    Attributes
    ----------
    tables
        Table name to validated frame: canonical columns in SPEC order and dtypes,
        excluded rows removed, a fresh ``RangeIndex``.
    quality
        The content of ``data_quality.csv``: ``table, file, column, rule, count``.
        Counts only: never row content, never row numbers.
    examples
        ``table, column, rule, example_rows``: up to five file row numbers per
        counted rule, for the analyst's summary only (never written to outputs).
    excluded
        Table name to the rows that broke a rule (converted where they could
        be): no figure uses them, but the privacy guard looks for their
        identifiers in the outputs too.
    codes
        ``table, column, value, rows, status``: code values the analyst should
        see (codes are not personal data). ``status`` is ``unmatched`` (neither
        canonical nor mapped: the rows are excluded), ``not_canonical`` (a
        service counted under its own name) or ``unused_key`` (a ``values:``
        key that matched no value, ``rows`` 0). For the analyst's summary only.
    left_out
        Table name to the records ``exclude`` dropped, as text, and every id of
        its exclude list: identifiers for the privacy guard, never printed.
    sen2
        For ``data: {sen2: ...}``, the return's tidy tables by name
        (``requests`` with secondary need, request source, mediation and
        tribunal flags, exports and transfers; ``reviews``, ``placements``,
        ``needs``, ``named_settings``), for analysis.
    personal
        Names, birth dates, postcodes, UPNs and ULNs read from a SEN2 return
        only to build identifiers: never in a table, but the privacy guard
        looks for every one of them (``*_id`` columns and ``date_of_birth``).
    unused
        Table name to the names of the file's columns that no canonical column
        takes (dropped straight after reading), and ``columns:`` keys that
        name no column of the file (a misspelt mapping): ``table, column,
        status`` with status ``not_used`` or ``not_found``. Names only:
        column names are not personal data.
    recodes
        ``table, column, value, canonical, rows``: each ``values:`` key (and
        ``split:`` key, under its local column, ``canonical`` naming every
        field it gives) that matched, what it gave, and how many records.
    splits
        ``table, column, field, value, rows``: per ``split:`` column, the
        records it gave each value of each field.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("review_id,person_id,review_due_date\nV1,P1,2024-05-01\n")
    >>> loaded = load_data({"reviews": path})
    >>> sorted(loaded.tables), loaded["reviews"]["review_due_date"].dt.year.tolist()
    (['reviews'], [2024])
    """

    tables: dict[str, pd.DataFrame]
    quality: pd.DataFrame
    examples: pd.DataFrame = field(repr=False)
    excluded: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    codes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CODE_COLUMNS),
                                repr=False)
    left_out: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    sen2: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    personal: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    unused: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNUSED_COLUMNS),
                                 repr=False)
    recodes: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RECODE_COLUMNS), repr=False)
    splits: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=SPLIT_COLUMNS), repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Return the validated table ``name``."""
        return self.tables[name]


@dataclass
class _Result:
    frame: pd.DataFrame | None = None
    quality: list[tuple[str, str, int]] = field(default_factory=list)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    read: int = 0
    excluded: int = 0
    exclusions: set[str] = field(default_factory=set)
    excluded_rows: pd.DataFrame | None = None
    codes: list[tuple[str, str, int, str]] = field(default_factory=list)
    left_out: pd.DataFrame | None = None
    unused: list[tuple[str, str]] = field(default_factory=list)
    recodes: list[tuple[str, str, str, int]] = field(default_factory=list)
    splits: list[tuple[str, str, str, int]] = field(default_factory=list)


def _rows(n: int) -> str:
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def load_data(
    data: Mapping[str, str | Path],
    *,
    columns: Mapping | None = None,
    values: Mapping | None = None,
    date_format: Mapping | None = None,
    header_row: Mapping | None = None,
    sheet: Mapping | None = None,
    split: Mapping | None = None,
    max_excluded_share: float = 0.05,
    exclude: Mapping | None = None,
    data_from: Mapping | None = None,
    la_code: str | None = None,
) -> LoadedData:
    r"""Read and validate the input tables of SPEC section 4.

    Parameters
    ----------
    data
        Table name (``requests``, ``reviews``, ``referrals``, ``measures``) to file
        path (``.csv``, ``.xlsx``, ``.parquet``). Every table is optional.
        ``sen2`` (a SEN2 return's XML file or Blade CSV folder, or a list of
        them, one per year) fills ``requests`` and ``reviews`` (SPEC 4.6); a
        ``reviews`` file given too takes precedence for ``reviews``.
    columns
        Per table, local column name to canonical name, e.g.
        ``{"requests": {"Date Received": "received_date"}}``. Names match whatever
        their surrounding whitespace and case; canonical names are found the same way.
    values
        Per table and column, local value to canonical value, e.g.
        ``{"referrals": {"service": {"SaLT": "speech_and_language_therapy"}}}``.
    date_format
        Per table, a ``strptime`` format for text dates, e.g.
        ``{"requests": "%d/%m/%Y"}``; ISO 8601 by default. Excel date cells are
        read as dates whatever the format.
    header_row
        Per table, the 1-based row number of the header as Excel numbers rows,
        e.g. ``{"requests": 3}`` for a header under two title rows. Default 1.
    sheet
        Per table, the worksheet name of an Excel workbook; default the first sheet.
    split
        Per table, a local column that fills several canonical columns: local
        column name to ``{local value: {canonical column: value, ...}}``, e.g.
        ``{"requests": {"Outcome": {"Assess - Issue plan": {"request_outcome":
        "assess", "assessment_outcome": "issue_plan"}}}}``. Its values match
        like ``values:`` keys; a row whose value is not listed is excluded
        (rule ``unlisted_split_value``). ``values:`` still applies to what it gives.
    max_excluded_share
        The run stops when a table loses more than this share of its rows
        (blank rows and exact duplicates aside) to row-level rules.
    exclude
        Per table, a file with columns ``id`` and ``reason``: records confirmed not
        to count (test records, duplicates), dropped before any rule and counted
        as ``left_out: <reason>`` (:mod:`~sendreport.validation.exclude`).
    data_from
        Per table, the first date the export covers; only the
        ``query_before_coverage`` check uses it (:mod:`~sendreport.validation.suspects`).
    la_code
        The area's code (params ``la_code``): a SEN2 return's header ``LEA``
        must be it (:func:`sendreport.sen2.read.read_returns`).

    Returns
    -------
    LoadedData
        ``.tables`` holds one validated frame per table given; ``.quality`` the
        data quality counts.

    Raises
    ------
    DataValidationError
        Listing every structural problem (unknown table, file missing, empty or
        unreadable, required column missing) and every table whose excluded share
        is above ``max_excluded_share``; ``.failures`` has one row per problem,
        and ``.loaded`` the :class:`LoadedData` of what could be read (every
        table's counts, for a summary of every table beside the errors).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from sendreport.validation import format_quality
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "referrals.csv"
    >>> _ = path.write_text("referral_id,person_id,service,referral_date\n"
    ...                     "F1,P1,SaLT,31/01/2024\n"
    ...                     "F2,P2,Audiology ,01/02/2024\n")
    >>> loaded = load_data(
    ...     {"referrals": path},
    ...     values={"referrals": {"service": {"salt": "speech_and_language_therapy"}}},
    ...     date_format={"referrals": "%d/%m/%Y"},
    ... )
    >>> loaded["referrals"]["service"].tolist()
    ['speech_and_language_therapy', 'audiology']
    >>> print(format_quality(loaded))
    referrals (referrals.csv): 2 rows read, 0 excluded (0.0%), 2 used
      column   rule                   rows  example rows
      service  value_normalised          1  3
      service  value_recoded             1  2
    """
    options = {"columns": columns or {}, "values": values or {},
               "date_format": date_format or {}, "header_row": header_row or {},
               "sheet": sheet or {}, "split": split or {}}
    problems, failures = _check_options(data, options, max_excluded_share)
    unusable = {row["table"] for row in failures}
    tables: dict[str, pd.DataFrame] = {}
    excluded: dict[str, pd.DataFrame] = {}
    quality: list[dict] = []
    examples: list[dict] = []
    codes: list[dict] = []
    left_out: dict[str, pd.DataFrame] = {}
    drops: dict[str, ExcludeList] = {}
    for name, path in (exclude or {}).items():
        drops[name], found = read_exclude(path, name)
        problems += found
        failures += [_failure(name, path, "", "exclude_file") for _ in found]
    extra: dict = {}
    unused: list[dict] = []
    recodes: list[dict] = []
    splits: list[dict] = []
    for name, path, result in _results(data, options, unusable, extra, drops, data_from or {},
                                       la_code):
        problems += result.problems
        failures += result.failures
        unused += [dict(zip(UNUSED_COLUMNS, (name, *row), strict=True)) for row in result.unused]
        recodes += [dict(zip(RECODE_COLUMNS, (name, *row), strict=True)) for row in result.recodes]
        splits += [dict(zip(SPLIT_COLUMNS, (name, *row), strict=True)) for row in result.splits]
        if result.frame is None:
            continue
        file = Path(path).name
        tables[name] = result.frame
        if result.excluded_rows is not None and len(result.excluded_rows):
            excluded[name] = result.excluded_rows
        if result.left_out is not None:
            left_out[name] = result.left_out
        quality += [dict(zip(QUALITY_COLUMNS, (name, file, c, r, n), strict=True))
                    for c, r, n in result.quality]
        examples += [{"table": name, "column": c, "rule": r, "example_rows": rows}
                     for (c, r), rows in result.examples.items()]
        codes += [dict(zip(CODE_COLUMNS, (name, *row), strict=True)) for row in result.codes]
        usable = result.read
        share = result.excluded / usable if usable else 0.0
        if share > max_excluded_share:
            problems.append(
                f"{path}: {result.excluded:,} of {_rows(usable)} ({share:.1%}) break a rule, "
                f"more than the {max_excluded_share:.1%} allowed (rule: max_excluded_share)"
            )
            failures.append(_failure(name, path, "", "max_excluded_share", result.excluded))
            for c, r, n in result.quality:
                if r in result.exclusions:
                    rows = result.examples[(c, r)]
                    line = f"{path}: column {c}, rule {r}: {_rows(n)} (rows {rows})"
                    if r == Rule.UNKNOWN_CODE:
                        line += "; " + _unmatched(name, c, result.codes)
                    elif r == "unlisted_split_value":
                        line += "; " + "; ".join(
                            f"split.{name}.{local}: values not listed: {describe_values(counts)}"
                            for local, counts in _unlisted(result.codes).items())
                    problems.append(line)
                    failures.append(_failure(name, path, c, r, n, rows))
    quality_frame = pd.DataFrame(quality, columns=QUALITY_COLUMNS).astype(
        {"table": "str", "file": "str", "column": "str", "rule": "str", "count": "int64"}
    )
    example_frame = pd.DataFrame(examples, columns=["table", "column", "rule", "example_rows"])
    code_frame = pd.DataFrame(codes, columns=CODE_COLUMNS).astype(
        {"table": "str", "column": "str", "value": "str", "rows": "int64", "status": "str"})
    loaded = LoadedData(tables, quality_frame, example_frame.astype("str"), excluded, code_frame,
                        left_out, sen2=extra.get("sen2", {}), personal=extra.get("personal", {}),
                        unused=pd.DataFrame(unused, columns=UNUSED_COLUMNS).astype("str"),
                        recodes=_recode_frame(recodes), splits=pd.DataFrame(
                            splits, columns=SPLIT_COLUMNS).astype({"rows": "int64"}))
    if problems:
        err = DataValidationError("\n".join(problems),
                                  pd.DataFrame(failures, columns=FAILURE_COLUMNS))
        err.loaded = loaded  # what could be read, for validate's summary of every table
        raise err
    return loaded


def _recode_frame(recodes: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(recodes, columns=RECODE_COLUMNS)
    return (frame.groupby(list(RECODE_COLUMNS[:4]), sort=False, as_index=False)["rows"].sum()
            .astype({"rows": "int64"}))


def _unlisted(codes: list[tuple[str, str, int, str]]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for local, value, n, status in codes:
        if status == "unlisted_split":
            out.setdefault(local, []).append((value, n))
    return out


def _unmatched(table: str, column: str, codes: list[tuple[str, str, int, str]]) -> str:
    counts = [(v, n) for c, v, n, status in codes if c == column and status == "unmatched"]
    return unmatched_message(table, column, counts, TABLES[table].columns[column].codes or ())


def _results(data: Mapping, options: dict, unusable: set, extra: dict,
             drops: Mapping[str, ExcludeList], data_from: Mapping,
             la_code: str | None = None) -> Iterator[tuple[str, object, _Result]]:
    """Load each table given, in order; a SEN2 return gives ``requests`` and ``reviews``."""
    for name, path in data.items():
        if name not in DATA_TABLES or name in unusable:
            continue
        if name == "sen2":
            yield from _load_sen2(path, reviews_given="reviews" in data, extra=extra,
                                  drops=drops, data_from=data_from, la_code=la_code)
            continue
        yield name, path, _load_table(
            name, Path(path),
            rename=options["columns"].get(name) or {},
            recode=options["values"].get(name) or {},
            date_format=options["date_format"].get(name),
            header_row=options["header_row"].get(name, 1),
            sheet=options["sheet"].get(name),
            split=options["split"].get(name) or {},
            drop=drops.get(name),
            data_from=data_from.get(name),
        )


def _load_sen2(paths: object, *, reviews_given: bool, extra: dict,
               drops: Mapping[str, ExcludeList], data_from: Mapping,
               la_code: str | None = None) -> Iterator[tuple[str, object, _Result]]:
    """Read SEN2 returns and validate their canonical tables like any other input table."""
    from sendreport.sen2.read import read_returns, release_memory

    listed = list(paths) if isinstance(paths, (list, tuple)) else [paths]
    label = Path(listed[0]) if len(listed) == 1 else Path(
        ", ".join(Path(p).name for p in listed))
    try:
        sen2 = read_returns([Path(p) for p in listed], la_code=la_code)
    except DataValidationError as err:
        result = _Result(problems=str(err).splitlines())
        result.failures.append(_failure("sen2", label, "", "unreadable_return"))
        yield "requests", label, result
        return
    extra["sen2"] = sen2.tables
    extra["personal"] = {"sen2": sen2.personal}
    if sen2.unrecognised:
        listed_tags = ", ".join(f"{element}/{tag} ({n})"
                                for (element, tag), n in sorted(sen2.unrecognised.items()))
        warnings.warn(f"{label}: tags not recognised, not used: {listed_tags}",
                      SendReportWarning, stacklevel=4)
    for name, frame, lines in (("requests", sen2.requests, sen2.request_lines),
                               ("reviews", sen2.reviews, sen2.review_lines)):
        if name == "reviews" and reviews_given:
            continue
        spec = TABLES[name]
        if name == "reviews":  # a return holds no review due dates
            spec = dataclasses.replace(spec, columns={c: s for c, s in spec.columns.items()
                                                      if c != "review_due_date"})
        result = _Result()
        raw = RawTable(frame=frame, row_numbers=np.asarray(lines, dtype="int64"), path=label)
        _validate(raw, spec, {c: c for c in spec.columns}, {}, None, result,
                  drop=drops.get(name), data_from=data_from.get(name))
        if name == "requests":
            _sen2_rules(sen2, result)
        del raw
        yield name, label, result
    sen2.requests = sen2.reviews = None  # validated: the text copies are no longer needed
    release_memory()


def _sen2_rules(sen2, result: _Result) -> None:
    """Add the return's own counts (historical chains, exports, exclusions) to ``requests``."""
    extra_excluded = len(sen2.excluded)
    for note in sen2.notes:
        lines = np.asarray(sorted(note.lines), dtype="int64")
        _count(result, note.column, note.rule, np.arange(len(lines)), lines)
        if note.excludes:
            result.exclusions.add(note.rule)
    for (element, tag), n in sorted(sen2.unrecognised.items()):
        result.quality.append((f"{element}/{tag}", Rule.UNRECOGNISED_TAG, n))
    if extra_excluded:
        result.quality = [
            (c, r, n + extra_excluded if r in (Rule.ROWS_READ, Rule.ROWS_EXCLUDED) else n)
            for c, r, n in result.quality
        ]
        result.read += extra_excluded
        result.excluded += extra_excluded
        rows = sen2.excluded.drop(columns="rule")
        result.excluded_rows = pd.concat([result.excluded_rows, rows], ignore_index=True)


def _failure(table: str, path: object, column: str, rule: str, count: int = 0,
             rows: str = "") -> dict:
    return dict(zip(FAILURE_COLUMNS, (table, str(path), column, rule, count, rows), strict=True))


def _check_options(data: Mapping, options: dict, max_share: float) -> tuple[list[str], list]:
    problems: list[str] = []
    failures: list[dict] = []
    known = ", ".join(TABLES)

    def problem(where: str, text: str, rule: str, table: str = "", column: str = "") -> None:
        problems.append(f"{where}: {text} (rule: {rule})")
        failures.append(_failure(table, "", column, rule))

    if not isinstance(data, Mapping):
        problem("data", f"must map table names to files, not {type(data).__name__}",
                "not_a_mapping")
        return problems, failures
    for name in data:
        if name not in DATA_TABLES:
            problem("data", f"unknown table {name!r}; expected one of {known}, sen2",
                    "unknown_table")
    if "sen2" in data and "requests" in data:
        problem("data", "give requests or sen2, not both: a SEN2 return fills requests",
                "sen2_and_requests", "requests")
    if not 0 <= max_share <= 1:
        problem("max_excluded_share", f"must be between 0 and 1, not {max_share!r}",
                "out_of_range")
    for key, mapping in options.items():
        if not isinstance(mapping, Mapping):
            problem(key, f"must be a mapping keyed by table, not {type(mapping).__name__}",
                    "not_a_mapping")
            continue
        for table, value in mapping.items():
            if table not in TABLES:
                problem(key, f"unknown table {table!r}; expected one of {known}", "unknown_table")
                continue
            _check_option(key, TABLES[table], value, problem)
    return problems, failures


def _check_option(key: str, spec: TableSpec, value: object, problem) -> None:
    where = f"{key}.{spec.name}"
    canonical = ", ".join(spec.columns)
    if key == "columns":
        if not isinstance(value, Mapping):
            problem(where, "must map local column names to canonical ones", "not_a_mapping",
                    spec.name)
            return
        for local, target in value.items():
            if target not in spec.columns:
                problem(where, f"{local!r} maps to {target!r}, which is not a column of "
                        f"{spec.name}; expected one of {canonical}", "unknown_column", spec.name)
    elif key == "values":
        if not isinstance(value, Mapping):
            problem(where, "must map column names to {local: canonical} mappings",
                    "not_a_mapping", spec.name)
            return
        for column, recode in value.items():
            col = spec.columns.get(column)
            if col is None or col.kind not in ("code", "text", "bool"):
                coded = ", ".join(c for c, s in spec.columns.items()
                                  if s.kind in ("code", "text", "bool"))
                problem(where, f"{column!r} is not a coded column of {spec.name}; expected one "
                        f"of {coded}", "unknown_column", spec.name, str(column))
            elif not isinstance(recode, Mapping):
                problem(f"{where}.{column}", "must map local values to canonical ones",
                        "not_a_mapping", spec.name, column)
    elif key == "split":
        if not isinstance(value, Mapping):
            problem(where, "must map local column names to {local value: {column: value}} "
                    "mappings", "not_a_mapping", spec.name)
            return
        for local, values in value.items():
            if not isinstance(values, Mapping) or not all(
                    isinstance(t, Mapping) for t in values.values()):
                problem(f"{where}.{local}", "must map each local value to the columns it "
                        "fills, as {column: value, ...}", "not_a_mapping", spec.name)
                continue
            unknown = sorted({str(f) for t in values.values() for f in t} - set(spec.columns))
            if unknown:
                problem(f"{where}.{local}", f"{', '.join(map(repr, unknown))} is not a column of "
                        f"{spec.name}; expected one of {canonical}", "unknown_column", spec.name)
    elif key == "date_format":
        if not isinstance(value, str) or "%" not in value:
            problem(where, f"must be a strptime format such as '%d/%m/%Y', not {value!r}",
                    "invalid_date_format", spec.name)
            return
        try:
            pd.to_datetime(pd.Index(["2024-01-31"], dtype=object), format=value, errors="coerce")
        except ValueError as err:
            problem(where, f"{value!r} cannot be used: {err}", "invalid_date_format", spec.name)
    elif key == "header_row":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problem(where, f"must be a row number of 1 or more (1-based, as Excel numbers "
                    f"rows), not {value!r}", "invalid_header_row", spec.name)
    elif key == "sheet" and not isinstance(value, str):
        problem(where, f"must be a worksheet name, not {value!r}", "invalid_sheet", spec.name)


def _load_table(name: str, path: Path, *, rename: Mapping, recode: Mapping,
                date_format: str | None, header_row: int, sheet: str | None, split: Mapping,
                drop: ExcludeList | None, data_from: object) -> _Result:
    result = _Result()
    spec = TABLES[name]
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        return result  # reported by _check_options
    if date_format is not None and (not isinstance(date_format, str) or "%" not in date_format):
        return result
    try:
        raw = read_table(path, header_row=header_row,
                         sheet=sheet if isinstance(sheet, str) else None)
    except DataValidationError as err:
        result.problems.append(str(err))
        result.failures += [{**row, "table": name} for row in err.failures.to_dict("records")]
        return result
    if not isinstance(split, Mapping) or not all(isinstance(v, Mapping) for v in split.values()):
        return result  # reported by _check_options
    selected = _select_columns(raw, spec, rename, result, split)
    if result.problems:
        return result
    _validate(raw, spec, selected, recode, date_format, result, drop=drop, data_from=data_from,
              split=split)
    return result


def _select_columns(raw: RawTable, spec: TableSpec, rename: Mapping, result: _Result,
                    split: Mapping = _NO_SPLIT) -> dict[str, str]:
    """Return canonical name -> file column, reporting missing and clashing columns.

    A ``split:`` column is returned under ``split:<its name>``; the columns it
    fills count as found.
    """
    lookup = {c: c for c in spec.columns}
    lookup.update({str(k).strip().casefold(): v for k, v in rename.items() if v in spec.columns})
    sources = {str(k).strip().casefold(): f"{SPLIT}{k}" for k in split}
    given = {f: f"split: {k!r}" for k, values in split.items() for t in values.values()
             if isinstance(t, Mapping) for f in t}
    selected: dict[str, str] = {}
    for column in raw.frame.columns:
        folded = str(column).strip().casefold()
        if folded in sources:
            selected[sources[folded]] = column
            continue
        target = lookup.get(folded)
        if target is None:
            continue
        if target in given:
            result.problems.append(
                f"{raw.path}: column {column!r} and {given[target]} both give column {target} "
                "(rule: duplicate_column)")
            result.failures.append(_failure(spec.name, raw.path, target, "duplicate_column"))
            continue
        if target in selected:
            result.problems.append(
                f"{raw.path}: columns {selected[target]!r} and {column!r} both give column "
                f"{target} (rule: duplicate_column)")
            result.failures.append(_failure(spec.name, raw.path, target, "duplicate_column"))
            continue
        selected[target] = column
    found = ", ".join(map(str, raw.frame.columns)) or "none"
    for source in sources.values():
        if source not in selected:
            result.problems.append(
                f"{raw.path}: column {source.removeprefix(SPLIT)!r}, given under split.{spec.name}"
                f", is missing; found columns: {found} (rule: required_column)")
            result.failures.append(_failure(spec.name, raw.path, "", "required_column"))
    for column in spec.required:
        if column not in selected and column not in given:
            local = [k for k, v in rename.items() if v == column]
            via = f" (looked for {local[0]!r}, given under columns:)" if local else ""
            result.problems.append(
                f"{raw.path}: required column {column} is missing{via}; found columns: "
                f"{found} (rule: required_column)")
            result.failures.append(_failure(spec.name, raw.path, column, "required_column"))
    taken = set(selected.values())
    result.unused += [(str(c), "not_used") for c in raw.frame.columns if c not in taken]
    held = {str(c).strip().casefold() for c in raw.frame.columns}
    result.unused += [(str(k), "not_found") for k, v in rename.items()
                      if v in spec.columns and str(k).strip().casefold() not in held]
    return selected


def _validate(raw: RawTable, spec: TableSpec, selected: dict[str, str], recode: Mapping,
              date_format: str | None, result: _Result, *, drop: ExcludeList | None,
              data_from: object, split: Mapping = _NO_SPLIT) -> None:
    n_read = len(raw.frame)
    cleaned: dict[str, pd.Series] = {}
    spaces: dict[str, np.ndarray] = {}
    for column, local in selected.items():
        cleaned[column], spaces[column] = clean(raw.frame[local])
    blank = np.ones(n_read, dtype=bool)
    for series in cleaned.values():
        blank &= is_blank(series)
    rows = raw.row_numbers
    if blank.any():
        keep = ~blank
        rows = rows[keep]
        cleaned = {c: s[keep].reset_index(drop=True) for c, s in cleaned.items()}
        spaces = {c: m[keep] for c, m in spaces.items()}
    left_out: list[tuple[str, str, np.ndarray]] = []
    if drop:
        cleaned, spaces, rows, left_out = _leave_out(cleaned, spaces, rows, spec, drop, result)
    n = len(rows)
    typed: dict[str, pd.Series] = {}
    flags: list[tuple[str, str, np.ndarray]] = []  # (column, rule, mask)
    counts: list[tuple[str, str, np.ndarray]] = []
    for local, mapping in split.items():
        fields = _split(cleaned.pop(f"{SPLIT}{local}"), local, mapping, spec, raw.path, result)
        for field_name, cells in fields.fields.items():
            cleaned[field_name], spaces[field_name] = cells, np.zeros(n, dtype=bool)
        if fields.unlisted.any():
            first = next((f for f in spec.columns if f in fields.fields), spec.key[0])
            flags.append((first, "unlisted_split_value", fields.unlisted))
    for column, col in spec.columns.items():
        if column not in cleaned:
            typed[column] = _empty(col.dtype, n)
            if col.kind == "bool":
                typed[column] = typed[column] | col.default
            continue
        mapping = recode.get(column)
        if isinstance(mapping, Mapping) and any(isinstance(k, bool) for k in mapping):
            mapping, problems = boolean_keys(mapping, to_text(cleaned[column]),
                                             f"values.{spec.name}.{column}")
            result.problems += problems
            result.failures += [_failure(spec.name, raw.path, column, "boolean_key")
                                for _ in problems]
        conv = convert(cleaned[column], col, recode=mapping, date_format=date_format)
        if col.codes is not None or isinstance(mapping, Mapping):
            result.codes += _code_notes(column, cleaned[column], conv.values, col, mapping or {})
        if col.codes is not None and col.case == "open":
            outside = (conv.values.notna() & ~conv.values.isin(col.codes)).to_numpy(dtype=bool)
            counts.append((column, Rule.NON_CANONICAL.of(column), outside))
        typed[column] = conv.values
        if conv.invalid.any():
            flags.append((column, _INVALID_RULE[col.kind], conv.invalid))
        counts.append((column, Rule.VALUE_NORMALISED, (spaces[column] | conv.normalised)
                       & ~conv.recoded))
        counts.append((column, Rule.VALUE_RECODED, conv.recoded))
        result.recodes += [(column, *r) for r in conv.recodes]
    frame = pd.DataFrame(typed)
    failed = _failures(frame, spec, flags)
    copies = _exact_copies(frame, failed, spec)
    if copies.any():
        failed = _drop_copies(frame, failed, copies, spec)
    excluded = np.zeros(len(frame), dtype=bool)
    excluded[failed["row"].unique()] = True
    result.excluded_rows = frame[excluded].reset_index(drop=True)
    frame = frame[~(excluded | copies)].reset_index(drop=True)
    if spec.name == "measures":
        frame = _derive_value(frame)
    kept = rows[~(excluded | copies)]
    when = data_from if isinstance(data_from, dt.date) else None
    queries = list(query_checks(frame, spec.name, spec.key[0], data_from=when))

    quality = result.quality
    quality.append(("", Rule.ROWS_READ, n_read))
    if raw.encoding == WINDOWS_1252:
        quality.append(("", Rule.ENCODING_WINDOWS_1252, n_read))
    _count(result, "", Rule.BLANK_ROW, np.flatnonzero(blank), raw.row_numbers)
    for column, rule, mask in counts:
        _count(result, column, rule, np.flatnonzero(mask), rows)
    _count(result, spec.key[0], Rule.DUPLICATE_ROW, np.flatnonzero(copies), rows)
    order = {c: i for i, c in enumerate(spec.columns)}
    by_rule = (failed.assign(o=failed["column"].map(order)).sort_values(["o", "rule", "row"])
               .groupby(["o", "column", "rule"], sort=True)["row"].unique())
    for (_, column, rule), positions in by_rule.items():
        _count(result, column, rule, positions, rows)
        result.exclusions.add(rule)
    for column, reason, positions in left_out:
        result.quality.append((column, Rule.LEFT_OUT.of(reason), len(positions)))
    for column, rule, positions in queries:
        _count(result, column, rule, positions, kept)
    result.read = len(excluded) - int(copies.sum())
    result.excluded = int(excluded.sum())
    quality.append(("", Rule.ROWS_EXCLUDED, result.excluded))
    quality.append(("", Rule.ROWS_USED, len(frame)))
    result.frame = frame


def _leave_out(cleaned: dict[str, pd.Series], spaces: dict[str, np.ndarray], rows: np.ndarray,
               spec: TableSpec, drop: ExcludeList, result: _Result):
    """Drop the records of the exclude list, keeping their cells for the privacy guard.

    A record is left out when its id is listed, or its ``person_id`` is; it is
    counted once, under the reason given for its id if there is one, else the
    reason given for its person (column ``person_id``).
    """
    key = spec.key[0]
    hits: list[tuple[str, pd.Series | None, dict[str, str]]] = []
    for column, listed in ((key, drop.ids), (PERSON, drop.persons)):
        cells = to_text(cleaned[column]) if column in cleaned else None
        hits.append((column, cells, listed))
    n = len(rows)
    hit = np.zeros(n, dtype=bool)
    left_out: list[tuple[str, str, np.ndarray]] = []
    unmatched = 0
    for column, cells, listed in hits:
        if not listed:
            continue
        if column not in cleaned:
            unmatched += len(listed)
            continue
        mine = cells.isin(list(listed)).to_numpy(dtype=bool)
        unmatched += len(set(listed) - set(cells[mine]))
        mine = mine & ~hit
        reasons = cells[mine].map(listed)
        left_out += [(column, str(r), np.flatnonzero(mine)[reasons.to_numpy() == r])
                     for r in dict.fromkeys(reasons)]
        hit |= mine
    gone = pd.DataFrame({c: to_text(s[hit]) for c, s in cleaned.items()
                         if not c.startswith(SPLIT)})
    listed_ids = pd.DataFrame({key: pd.Series(list(drop.ids), dtype="str")})
    listed_persons = pd.DataFrame({PERSON: pd.Series(list(drop.persons), dtype="str")})
    result.left_out = pd.concat([gone, listed_ids, listed_persons], ignore_index=True)
    if unmatched:
        result.quality.append((key, Rule.LEFT_OUT_ID_NOT_FOUND, unmatched))
    keep = ~hit
    cleaned = {c: s[keep].reset_index(drop=True) for c, s in cleaned.items()}
    spaces = {c: m[keep] for c, m in spaces.items()}
    return cleaned, spaces, rows[keep], left_out


def _split(cells: pd.Series, local: str, mapping: Mapping, spec: TableSpec, path: object,
           result: _Result) -> Split:
    """Fill the columns a ``split:`` column gives, noting its unlisted values and counts."""
    where = f"split.{spec.name}.{local}"
    if any(isinstance(k, bool) for k in mapping):
        mapping, problems = boolean_keys(mapping, to_text(cells), where)
        result.problems += problems
        result.failures += [_failure(spec.name, path, "", "boolean_key") for _ in problems]
    out = split_column(cells, mapping)
    text = to_text(cells)
    result.codes += [(str(local), v, n, "unlisted_split")
                     for v, n in value_counts(text[out.unlisted])]
    held = {fold(v) for v in pd.unique(text.dropna())}
    result.codes += [(str(local), str(k), 0, "unused_split_key") for k in mapping
                     if fold(k) not in held]
    result.recodes += [(str(local), *r) for r in out.recodes]
    result.splits += [(str(local), *r) for r in out.produced]
    return out


def _code_notes(column: str, cells: pd.Series, values: pd.Series, col: ColumnSpec,
                mapping: Mapping) -> list[tuple[str, str, int, str]]:
    """Unmatched and non-canonical values of one code column, and unused ``values:`` keys."""
    notes: list[tuple[str, str, int, str]] = []
    if col.codes is not None and col.kind == "code":
        outside = values.notna() & ~values.isin(col.codes)
        status = "not_canonical" if col.case == "open" else "unmatched"
        shown = values if col.case == "open" else to_text(cells)
        notes += [(column, v, n, status) for v, n in value_counts(shown[outside.to_numpy()])]
    held = {fold(v) for v in pd.unique(cells.dropna())}
    notes += [(column, str(k), 0, "unused_key") for k in mapping if fold(k) not in held]
    return notes


def _count(result: _Result, column: str, rule: str, positions: np.ndarray,
           rows: np.ndarray) -> None:
    if not len(positions):
        return
    result.quality.append((column, rule, len(positions)))
    numbers = np.sort(rows[positions])[:EXAMPLES]
    result.examples[(column, rule)] = ", ".join(str(int(r)) for r in numbers)


def _empty(dtype: str, n: int) -> pd.Series:
    if dtype == "bool":
        return pd.Series(np.zeros(n, dtype=bool))
    if dtype.startswith("datetime"):
        return pd.Series(pd.NaT, index=range(n), dtype=dtype)
    return pd.Series(pd.NA if dtype == "Int64" else np.nan, index=range(n), dtype=dtype)


def _exact_copies(frame: pd.DataFrame, failed: pd.DataFrame, spec: TableSpec) -> np.ndarray:
    """Return a mask of rows that repeat an earlier row exactly (its id included)."""
    copies = np.zeros(len(frame), dtype=bool)
    shared = failed.loc[failed["rule"].eq(Rule.DUPLICATE_ID), "row"].unique()
    if len(shared):
        shared.sort()
        copies[shared] = frame.iloc[shared].duplicated(keep="first").to_numpy()
    return copies


def _drop_copies(frame: pd.DataFrame, failed: pd.DataFrame, copies: np.ndarray,
                 spec: TableSpec) -> pd.DataFrame:
    """Forget the failures of exact copies, and duplicate_id where only one row is left."""
    failed = failed[~copies[failed["row"].to_numpy()]]
    dup = failed["rule"].eq(Rule.DUPLICATE_ID)
    rows = failed.loc[dup, "row"].unique()
    still = frame.iloc[rows].duplicated(subset=list(spec.key), keep=False).to_numpy()
    lone = set(rows[~still].tolist())
    return failed[~(dup & failed["row"].isin(lone))]


def _failures(frame: pd.DataFrame, spec: TableSpec,
              flags: list[tuple[str, str, np.ndarray]]) -> pd.DataFrame:
    """Return one row per failing (row position, column, rule), from pandera and conversion."""
    parts = [pd.DataFrame({"row": np.flatnonzero(m), "column": c, "rule": r})
             for c, r, m in flags]
    try:
        schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        parts += [_failed_rows(e, spec) for e in err.schema_errors]
    failed = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"row": pd.Series(dtype="int64"), "column": pd.Series(dtype="str"),
         "rule": pd.Series(dtype="str")})
    failed = failed.astype({"row": "int64", "column": "str", "rule": "str"})
    if flags:  # a cell that could not be read is not also "missing"
        unreadable = pd.concat([pd.DataFrame({"row": np.flatnonzero(m), "column": c})
                                for c, _, m in flags], ignore_index=True)
        unreadable["rule"] = Rule.MISSING_VALUE
        marked = failed.merge(unreadable.assign(drop=True), how="left",
                              on=["row", "column", "rule"])
        failed = failed[marked["drop"].isna().to_numpy()]
    return failed.drop_duplicates(ignore_index=True)


def _failed_rows(error: pa.errors.SchemaError, spec: TableSpec) -> pd.DataFrame:
    """Return the rows one failed pandera check excludes, from its boolean output."""
    name = getattr(error.check, "name", None)
    output = error.check_output
    if name is None or output is None:
        raise RuntimeError(f"{spec.name}: the table does not fit its schema: {error}")
    if RULE_SEPARATOR in name:
        column, rule = name.split(RULE_SEPARATOR, 1)
    else:
        column, rule = str(error.schema.name), name
    passed = output.fillna(True).to_numpy(dtype=bool)
    rows = output.index.to_numpy()[~passed]
    return pd.DataFrame({"row": rows.astype("int64"), "column": column, "rule": rule})


def _derive_value(frame: pd.DataFrame) -> pd.DataFrame:
    ratio = 100 * frame["numerator"].astype("float64") / frame["denominator"].astype("float64")
    ratio = ratio.where(frame["denominator"].astype("float64") > 0)
    return frame.assign(value=frame["value"].fillna(ratio))
