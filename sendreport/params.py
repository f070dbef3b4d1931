"""The params file: a pydantic model of SPEC section 3, checked before any kernel starts."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from sendreport.errors import ParameterError
from sendreport.plan import format_validation_error
from sendreport.yamlfile import check_regular_file, load_yaml

TABLES = ("requests", "reviews", "referrals", "measures")
"""Input tables a params file may name under ``data`` (and under the mapping keys)."""
SEN2 = "sen2"
"""``data: {sen2: PATH}``: a SEN2 return (XML file or Blade CSV folder), or a list of them."""

AUDIENCES = ("shared", "internal", "families")
SUPPRESSED_AUDIENCES = ("shared", "families")
"""Audiences whose packs leave the partnership, and so are suppressed."""
MIN_SHARED_THRESHOLD = 5
"""The least ``suppression_threshold`` a suppressed audience may use (SPEC 3)."""
FILE_KEYS = ("notebook", "plan", "population", "benchmarks")
"""Params keys that name one file (``data`` names one per table)."""
MAPPING_KEYS = (
    "data", "columns", "values", "split", "date_format", "header_row", "sheet", "exclude",
    "data_from",
)
"""Params keys whose keys are table names."""
READ_MAPPING_KEYS = ("columns", "values", "split", "sheet", "header_row", "date_format")
"""Mapping keys that say how to read a table's own file: used only for a table read from one."""
Code = str | bool | int | float
DATE_KEYS = (
    "period_start",
    "period_end",
    "reference_date",
    "baseline_period_start",
    "baseline_period_end",
    "previous_period_end",
    "next_update",
)


FAMILIES_MARKING = "OFFICIAL"
"""The only marking a families edition carries: it is a public document (SPEC 3, 7)."""


class Contact(BaseModel):
    """Someone families can reach about the plan, printed in the families edition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    contact: str = Field(min_length=1)
    """How to reach them: a phone number, an email or web address, in the words to print."""


class Params(BaseModel):
    """A stocktake run's parameters; the keys equal the notebook's parameters.

    Relative paths are resolved against ``base_dir`` (the params file's folder)
    by :func:`read_params`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("stocktake.ipynb", "plan.yaml", "requests.csv"):
    ...     _ = (folder / name).write_text("x")
    >>> p = parse_params({"notebook": "stocktake.ipynb", "area_name": "Demoshire & Co",
    ...                   "period_start": "2024-07-01", "period_end": "2024-12-31",
    ...                   "plan": "plan.yaml", "data": {"requests": "requests.csv"}},
    ...                  base_dir=folder)
    >>> p.slug, p.audience, p.suppression_threshold
    ('demoshire-co', 'shared', 5)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    notebook: Path
    area_name: str = Field(min_length=1)
    period_start: dt.date
    period_end: dt.date
    plan: Path
    data: dict[str, Path | list[Path]] = Field(default_factory=dict)
    la_code: str | None = None
    # a made-up area (the demo): la_code is not checked and the pack says so (SPEC 3)
    synthetic: bool = False
    # the area's statistical neighbours, by LA code: comparators for DfE's figures
    neighbours: list[str] = Field(default_factory=list)
    reference_date: dt.date | None = None
    baseline_period_start: dt.date | None = None
    baseline_period_end: dt.date | None = None
    previous_period_end: dt.date | None = None
    # the first date each table's export covers (SPEC 3); default from the data
    data_from: dict[str, dt.date] = Field(default_factory=dict)
    classification: str = "OFFICIAL"
    suppression_threshold: int = Field(default=5, ge=1, le=100)
    audience: Literal["shared", "internal", "families"] = "shared"
    population: Path | None = None
    benchmarks: Path | None = None
    title: str | None = None
    author: str | None = None
    # a list is refused by consistency_problems, pointing to split:
    columns: dict[str, dict[str, str | list[str]]] = Field(default_factory=dict)
    # YAML reads unquoted yes/no/1 as booleans and numbers: local codes may be any of them.
    values: dict[str, dict[str, dict[Code, Code]]] = Field(default_factory=dict)
    # one local column filling several canonical ones: {table: {local column: {local value:
    # {column: value}}}} (docs/input-data.md)
    split: dict[str, dict[str, dict[Code, dict[str, Code]]]] = Field(default_factory=dict)
    date_format: dict[str, str] = Field(default_factory=dict)
    header_row: dict[str, int] = Field(default_factory=dict)
    sheet: dict[str, str] = Field(default_factory=dict)
    max_excluded_share: float = Field(default=0.05, ge=0, le=1)
    exclude: dict[str, Path] = Field(default_factory=dict)
    # the families edition's contacts and the date of its next update (SPEC 3)
    contacts: list[Contact] = Field(default_factory=list)
    next_update: dt.date | None = None

    @field_validator("la_code", mode="before")
    @classmethod
    def _code_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 3-digit code (la_code: 821) as a number
        return _la_code_text(value)

    @field_validator("neighbours", mode="before")
    @classmethod
    def _codes_as_text(cls, value: Any) -> Any:
        return [_la_code_text(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _check_consistency(self, info: ValidationInfo) -> Params:
        today = (info.context or {}).get("today") if isinstance(info.context, dict) else None
        problems = consistency_problems(dict(self), today=today)
        if problems:
            raise ValueError("\n".join(problems))  # parse_params lists them one a line
        return self

    @property
    def slug(self) -> str:
        """The area's folder name under the output directory."""
        return area_slug(self.area_name)

    @property
    def effective_reference_date(self) -> dt.date:
        """The data extract date (``reference_date``, default ``period_end``)."""
        return self.reference_date or self.period_end

    def input_files(self) -> dict[str, Path]:
        """Every input file the run reads, keyed by a label (for checks and the manifest)."""
        files = {k: getattr(self, k) for k in FILE_KEYS if getattr(self, k) is not None}
        for key, value in self.data.items():
            paths = value if isinstance(value, list) else [value]
            for i, path in enumerate(paths, start=1):
                label = f"data.{key}" if len(paths) == 1 else f"data.{key}[{i}]"
                if path.is_dir():  # a SEN2 Blade export: one CSV per module
                    files.update({f"{label}/{p.name}": p for p in blade_csv_files(path)})
                else:
                    files[label] = path
        files.update({f"exclude.{k}": v for k, v in self.exclude.items()})
        return files

    @field_serializer("data", when_used="json")
    def _data_as_text(self, data: dict[str, Path | list[Path]]) -> dict[str, str | list[str]]:
        # Written out: some pydantic versions give a list of paths in a union as one string.
        return {k: [str(p) for p in v] if isinstance(v, list) else str(v) for k, v in data.items()}

    def to_notebook(self) -> dict[str, Any]:
        """Return the parameters as papermill injects them (plain YAML/JSON types)."""
        return self.model_dump(mode="json")

    def load_options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`sendreport.validation.load_data`."""
        return {
            "columns": self.columns,
            "values": self.values,
            "split": self.split,
            "date_format": self.date_format,
            "header_row": self.header_row,
            "sheet": self.sheet,
            "max_excluded_share": self.max_excluded_share,
            "exclude": self.exclude,
            "data_from": self.data_from,
            "la_code": self.la_code,
        }


def _la_code_text(value: Any) -> Any:
    """An LA code YAML read as a whole number, as the 3-digit text it was (821 -> '821')."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000:
        return f"{value:03d}"
    return value


def applied_mapping(params: Any, key: str) -> dict[str, Any]:
    """The tables of a mapping key (``columns``, ``sheet``, ...) that are read from their own file.

    A table given under ``data:`` is read from its file with these mappings;
    any other (``requests`` and ``reviews`` filled by a SEN2 return, or a table
    not given at all) has no file to apply them to (SPEC 3).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(data={"sen2": "r.xml", "referrals": "w.csv"},
    ...                     sheet={"requests": "Cases", "referrals": "Waits"})
    >>> applied_mapping(p, "sheet")
    {'referrals': 'Waits'}
    """
    mapping = getattr(params, key, None) or {}
    return {table: value for table, value in mapping.items() if table in (params.data or {})}


def unused_mapping_lines(params: Any) -> list[str]:
    """One warning line per table whose mapping keys are given but not used (SPEC 3).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(data={"sen2": "r.xml"}, columns={"requests": {"Ref": "request_id"}},
    ...                     values={}, split={}, sheet={"requests": "Cases", "reviews": "R"},
    ...                     header_row={"measures": 3}, date_format={})
    >>> for line in unused_mapping_lines(p):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    columns.requests, sheet.requests: not used: requests is read from the SEN2 return
    (data: sen2), not from a file of its own; remove them
    sheet.reviews: not used: reviews is read from the SEN2 return (data: sen2), not from a
    file of its own; remove it
    header_row.measures: not used: no measures file is given under data:; remove it
    """
    unused: dict[str, list[str]] = {}
    for key in READ_MAPPING_KEYS:
        for table in getattr(params, key, None) or {}:
            if table not in (params.data or {}):
                unused.setdefault(table, []).append(f"{key}.{table}")
    lines = []
    for table, keys in unused.items():
        if SEN2 in (params.data or {}) and table in ("requests", "reviews"):
            why = (f"{table} is read from the SEN2 return (data: {SEN2}), "
                   "not from a file of its own")
        else:
            why = f"no {table} file is given under data:"
        them = "them" if len(keys) > 1 else "it"
        lines.append(f"{', '.join(keys)}: not used: {why}; remove {them}")
    return lines


def blade_csv_files(folder: Path) -> list[Path]:
    """The ``.csv`` entries of a SEN2 Blade folder (any letter case), sorted; none opened.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b_person.CSV", "a_sen2.csv", "notes.txt"):
    ...     _ = (folder / name).write_text("x")
    >>> [p.name for p in blade_csv_files(folder)]
    ['a_sen2.csv', 'b_person.CSV']
    """
    return sorted(p for p in folder.iterdir() if p.name.lower().endswith(".csv"))


def consistency_problems(values: dict[str, Any], *, today: dt.date | None = None) -> list[str]:
    """Problems between parameters: dates out of order, unknown tables, a low threshold, a bad name.

    A ``shared`` or ``families`` pack may not use a ``suppression_threshold``
    below ``MIN_SHARED_THRESHOLD``. A period cannot end after the data's last
    date (:func:`date_problems`).

    Parameters
    ----------
    values
        Parameter values; dates as ``datetime.date`` (others are skipped), so
        this also runs on a params file whose other fields failed.
    today
        The date the run happens (default: the computer's date today).

    Returns
    -------
    list of str
        One line per problem.
    """
    problems = []
    start, end = values.get("period_start"), values.get("period_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems.append(f"period_end ({end}) is before period_start ({start})")
    problems += date_problems(values, today=today)
    b0, b1 = values.get("baseline_period_start"), values.get("baseline_period_end")
    if (b0 is None) != (b1 is None):
        problems.append("baseline_period_start and baseline_period_end must be given together")
    elif isinstance(b0, dt.date) and isinstance(b1, dt.date) and b1 < b0:
        problems.append(f"baseline_period_end ({b1}) is before baseline_period_start ({b0})")
    prev = values.get("previous_period_end")
    if isinstance(prev, dt.date) and isinstance(end, dt.date) and prev >= end:
        problems.append(f"previous_period_end ({prev}) must be before period_end ({end})")
    for key in MAPPING_KEYS:
        mapping = values.get(key)
        known = (*TABLES, SEN2) if key == "data" else TABLES
        unknown = sorted(set(mapping) - set(known)) if isinstance(mapping, dict) else []
        if unknown:
            problems.append(
                f"{key}: unknown table {', '.join(map(repr, unknown))}; "
                f"expected one of {', '.join(known)}"
            )
    threshold, audience = values.get("suppression_threshold"), values.get("audience", "shared")
    if (
        isinstance(threshold, int)
        and threshold < MIN_SHARED_THRESHOLD
        and audience in SUPPRESSED_AUDIENCES
    ):
        problems.append(
            f"suppression_threshold {threshold} is below {MIN_SHARED_THRESHOLD}, the least a "
            f"{audience} pack may use; use audience: internal for unsuppressed figures"
        )
    problems += families_problems(values)
    problems += _listed_columns(values.get("columns"))
    data = values.get("data")
    if isinstance(data, dict) and SEN2 in data and "requests" in data:
        problems.append("data: give requests or sen2, not both: a SEN2 return fills requests")
    from sendreport.benchmarks import area_code_problems

    problems += area_code_problems(values)
    name = values.get("area_name")
    if isinstance(name, str) and name and not area_slug(name):
        problems.append(f"area_name {name!r} has no letters or digits to name a folder")
    return problems


def families_problems(values: dict[str, Any]) -> list[str]:
    """A families edition's marking other than :data:`FAMILIES_MARKING`, a next update already past.

    A families edition is written for the public: it carries the marking a
    public document carries, ``OFFICIAL`` (any letter case), never a caveat
    such as OFFICIAL-SENSITIVE; anything else is refused rather than printed
    or silently replaced. ``next_update`` comes after the period reported.

    Examples
    --------
    >>> families_problems({"audience": "families", "classification": "OFFICIAL-SENSITIVE"})
    ... # doctest: +NORMALIZE_WHITESPACE
    ['classification OFFICIAL-SENSITIVE: a families edition is a public document and is marked
    OFFICIAL; set classification: OFFICIAL, or use audience: shared for a pack that needs
    another marking']
    >>> families_problems({"audience": "shared", "classification": "OFFICIAL-SENSITIVE"})
    []
    >>> families_problems({"period_end": dt.date(2024, 12, 31),
    ...                    "next_update": dt.date(2024, 6, 30)})  # doctest: +NORMALIZE_WHITESPACE
    ['next_update (2024-06-30) is not after period_end (2024-12-31): the next update comes
    after the period this one reports']
    """
    problems = []
    marking = values.get("classification", FAMILIES_MARKING)
    if (
        values.get("audience") == "families"
        and isinstance(marking, str)
        and marking.strip().upper() != FAMILIES_MARKING
    ):
        problems.append(
            f"classification {marking}: a families edition is a public document and is marked "
            f"{FAMILIES_MARKING}; set classification: {FAMILIES_MARKING}, or use audience: "
            "shared for a pack that needs another marking"
        )
    end, after = values.get("period_end"), values.get("next_update")
    if isinstance(end, dt.date) and isinstance(after, dt.date) and after <= end:
        problems.append(
            f"next_update ({after}) is not after period_end ({end}): the next update comes "
            "after the period this one reports"
        )
    return problems


def date_problems(values: dict[str, Any], *, today: dt.date | None = None) -> list[str]:
    """Dates that no data can have yet: a period ending after the extract date or after today.

    The data's last date is the day they were extracted, ``reference_date``
    (SPEC 3): the tables cannot describe the days after it, and an extract
    cannot be dated after today. So ``period_end``, ``baseline_period_end``
    and ``reference_date`` must be on or before today, and ``period_end`` on or
    before ``reference_date`` when it is given (without it, the extract date
    is taken to be ``period_end``, and ``validate`` warns when the period starts
    after the tables' latest records: :func:`sendreport.validation.period.period_problems`).

    Parameters
    ----------
    values
        Parameter values; dates as ``datetime.date`` (others are skipped).
    today
        The date the run happens (default: the computer's date today).

    Returns
    -------
    list of str
        One line per problem, naming the parameter, its date and why it is refused.

    Examples
    --------
    >>> for line in date_problems({"period_end": dt.date(9999, 12, 31)},
    ...                           today=dt.date(2026, 12, 6)):
    ...     print(line)
    period_end (9999-12-31) is after today (2026-12-06): a stocktake reports a period that has ended
    >>> for line in date_problems({"period_end": dt.date(2025, 3, 31),
    ...                            "reference_date": dt.date(2025, 1, 31)},
    ...                           today=dt.date(2026, 12, 6)):
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    period_end (2025-03-31) is after reference_date (2025-01-31), the date the data were
    extracted: the data cannot show the days after it
    """
    today = today if today is not None else dt.date.today()
    problems = []
    why = {
        "period_end": "a stocktake reports a period that has ended",
        "baseline_period_end": "a baseline is a period that has ended",
        "reference_date": "it is the date the data were extracted",
    }
    for key, reason in why.items():
        value = values.get(key)
        if isinstance(value, dt.date) and value > today:
            problems.append(f"{key} ({value}) is after today ({today}): {reason}")
    end, extract = values.get("period_end"), values.get("reference_date")
    if isinstance(end, dt.date) and isinstance(extract, dt.date) and end > extract:
        problems.append(
            f"period_end ({end}) is after reference_date ({extract}), the date the data were "
            "extracted: the data cannot show the days after it"
        )
    return problems


def _listed_columns(columns: Any) -> list[str]:
    """A list under ``columns:``: one local column gives one column; ``split:`` gives several."""
    problems = []
    for table, mapping in columns.items() if isinstance(columns, dict) else ():
        for local, target in mapping.items() if isinstance(mapping, dict) else ():
            if isinstance(target, list):
                problems.append(
                    f"columns.{table}: {local!r} is given several columns "
                    f"({', '.join(map(str, target))}); under columns: a local column gives one. "
                    f"To fill several from one local column, say what each of its values gives "
                    f"under split: {{{table}: {{{local}: "
                    "{LOCAL VALUE: {COLUMN: VALUE, ...}}}} (docs/input-data.md)")
    return problems


def _parsed_dates(raw: dict[str, Any]) -> dict[str, Any]:
    """The date parameters that parse, for consistency checks on an otherwise invalid file."""
    adapter = TypeAdapter(dt.date)
    out = dict(raw)
    for key in DATE_KEYS:
        if key in raw:
            try:
                out[key] = adapter.validate_python(raw[key])
            except ValidationError:
                out[key] = "unparseable"
    return out


def area_slug(name: str) -> str:
    """Turn an area name into a safe folder name.

    Parameters
    ----------
    name
        The area name, e.g. ``"Demoshire"`` or ``"Bath & N.E. Somerset"``.

    Returns
    -------
    str
        Lower-case ASCII letters, digits and single hyphens; ``""`` when nothing is left.

    Examples
    --------
    >>> area_slug("Bath & N.E. Somerset")
    'bath-n-e-somerset'
    >>> area_slug("../../x")
    'x'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _resolve(raw: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    def res(value: Any) -> Any:
        if isinstance(value, str) and value:
            p = Path(value).expanduser()
            return str(p if p.is_absolute() else (base_dir / p).resolve())
        return value

    out = dict(raw)
    for key in FILE_KEYS:
        if key in out:
            out[key] = res(out[key])
    if isinstance(out.get("data"), dict):
        out["data"] = {k: [res(p) for p in v] if isinstance(v, list) else res(v)
                       for k, v in out["data"].items()}
    if isinstance(out.get("exclude"), dict):
        out["exclude"] = {k: res(v) for k, v in out["exclude"].items()}
    return out


def resolved_paths(raw: dict[str, Any], base_dir: str | Path) -> dict[str, Any]:
    """The params mapping with every file path made absolute against ``base_dir``.

    As :func:`read_params` resolves them: ``notebook``, ``plan``, the
    ``population`` and ``benchmarks`` files, every ``data`` table (a list too)
    and every ``exclude`` file.

    Examples
    --------
    >>> resolved_paths({"plan": "plans/p.yaml", "area_name": "A"}, "/x")["plan"]
    '/x/plans/p.yaml'
    """
    return _resolve(raw, Path(base_dir))


def parse_params(
    raw: Any, *, base_dir: Path | str = ".", source: str = "params", today: dt.date | None = None
) -> Params:
    """Validate a params mapping, listing every problem at once.

    Parameters
    ----------
    raw
        The mapping read from a params file (or a notebook's parameters).
    base_dir
        Folder that relative paths resolve against.
    source
        Name used at the start of each problem line.
    today
        The date the run happens, for the dates no data can have yet
        (:func:`date_problems`; default: the computer's date today).

    Returns
    -------
    Params
        Validated parameters with absolute paths.

    Raises
    ------
    ParameterError
        With one line per problem: unknown keys, wrong types, missing files,
        dates out of order, a period ending after today or after ``reference_date``.
    """
    if not isinstance(raw, dict):
        raise ParameterError(f"{source}: must be a YAML mapping of parameter names to values")
    resolved = _resolve(raw, Path(base_dir))
    problems: list[str] = []
    params = None
    try:
        params = Params.model_validate(resolved, context={"today": today})
    except ValidationError as err:
        for e, line in zip(err.errors(), format_validation_error(err, source), strict=True):
            if e["loc"]:
                problems.append(line)
            else:  # the consistency check's own error: one line a problem
                message = e["msg"].removeprefix("Value error, ")
                problems += [f"{source}: {part}" for part in message.splitlines()]
        reported = "\n".join(problems)
        problems.extend(
            f"{source}: {line}"
            for line in consistency_problems(_parsed_dates(resolved), today=today)
            if line not in reported
        )
    for label, path in _paths_to_check(resolved).items():
        if label.startswith(f"data.{SEN2}") and Path(path).is_dir():
            # a SEN2 Blade export: a folder of CSV files, one per module, each a regular file
            problems.extend(f"{source}: {problem}" for csv in blade_csv_files(Path(path))
                            if (problem := check_regular_file(csv, what=f"{label}/{csv.name}")))
            continue
        # a folder, FIFO or device is refused here: reading a FIFO would hang the run
        problem = check_regular_file(path, what=label)
        if problem is not None:
            problems.append(f"{source}: {problem}")
    if problems:
        raise ParameterError(problems)
    assert params is not None
    return params


def _paths_to_check(resolved: dict[str, Any]) -> dict[str, str]:
    paths = {k: resolved[k] for k in FILE_KEYS if isinstance(resolved.get(k), str) and resolved[k]}
    for key in ("data", "exclude"):
        if isinstance(resolved.get(key), dict):
            for k, v in resolved[key].items():
                listed = v if isinstance(v, list) else [v]
                for i, p in enumerate(listed, start=1):
                    if isinstance(p, str) and p:
                        paths[f"{key}.{k}" if len(listed) == 1 else f"{key}.{k}[{i}]"] = p
    return paths


def read_params(path: str | Path, *, today: dt.date | None = None) -> Params:
    r"""Read and validate a params YAML file (SPEC section 3).

    Parameters
    ----------
    path
        The params file; relative paths inside it resolve against its folder.
    today
        The date the run happens (default: the computer's date today).

    Returns
    -------
    Params
        Validated parameters.

    Raises
    ------
    ParameterError
        If the file is missing or unreadable, or any parameter is wrong; every
        problem is listed, one per line.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "p.yaml").write_text("area_name: Demoshire\nperiod_start: 2024-07-01\n")
    >>> read_params(folder / "p.yaml")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: p.yaml: notebook: Field required
    p.yaml: period_end: Field required
    p.yaml: plan: Field required
    """
    path = Path(path)
    if not path.exists():
        raise ParameterError(f"params file not found: {path}")
    raw = load_yaml(path, what="params file")
    return parse_params(raw, base_dir=path.resolve().parent, source=path.name, today=today)
