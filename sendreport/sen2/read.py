"""Read one or several SEN2 returns into tidy tables and canonical ``requests``/``reviews``.

Several returns (one per year) are combined: a person is the same person when
their UPN, else ULN, else surname, forename and birth date match; a request is
the same request when it is the same person's and was received on the same
day (a historical ``H`` chain: the same plan start date). The latest return's
version of a request is kept, under the identifier it got in the earliest
return that holds it, so the same request reported in two years counts once.

Before combining, the returns are checked to be one area's: each header's
``LEA`` must be the params' ``la_code`` (a DfE 3-digit code, or a 9-character
ONS code that DfE's published figures tie to one), and every return of a list
must have the same ``LEA``. Two Person records that share a UPN (or ULN) but
not the child's birth date or forename (or, in one return, surname) are
refused too: they would be merged into one child. Messages name the files,
the codes and the Person lines, never a UPN, name or birth date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sendreport.errors import DataValidationError
from sendreport.sen2.blade import BLADE_MEMORY_FACTOR, blade_files, read_blade
from sendreport.sen2.stream import MEMORY_FACTOR, Notes, check_size, read_xml
from sendreport.sen2.tables import (
    Note,
    ReturnBuilder,
    differ,
    typed,
)
from sendreport.yamlfile import check_regular_file

CANONICAL_REQUESTS = (
    "request_id", "person_id", "received_date", "request_outcome", "request_outcome_date",
    "assessment_outcome", "assessment_outcome_date", "plan_issued_date", "exception_20wk",
    "primary_need", "date_of_birth",
)
"""SPEC 4.1 columns, in order; ``date_of_birth`` is always empty (never kept)."""

CANONICAL_REVIEWS = ("review_id", "person_id", "review_meeting_date", "review_decision_date",
                     "review_outcome")
"""SPEC 4.2 columns a return can fill: it holds no review due dates."""


@dataclass
class Sen2Data:
    """What the returns hold, after combining.

    Attributes
    ----------
    tables
        ``requests``, ``reviews``, ``placements``, ``needs``, ``named_settings``:
        the tidy tables, typed (dates ``datetime64``, flags ``bool``).
    requests, reviews
        The canonical SPEC 4.1 and 4.2 columns as text, for validation like any
        other input table: historical chains and excluded rows left out.
    request_lines, review_lines
        The line (XML) or row (Blade CSV) of each canonical row, for messages.
    excluded
        Canonical rows the return's own rules excluded (``two_plans_at_once``,
        ``historical_with_activity_dates``), with their rule in ``rule``.
    notes
        Counts for the data quality table (rule, column, lines).
    unrecognised
        ``(element, tag)`` to count: tags no reader knows, reported, not used.
    personal
        Names, birth dates, postcodes, UPNs and ULNs, for the privacy guard only.
    files
        The files read, in the order given.
    years
        The return year of each file.
    """

    tables: dict[str, pd.DataFrame]
    requests: pd.DataFrame
    reviews: pd.DataFrame
    request_lines: list[int]
    review_lines: list[int]
    excluded: pd.DataFrame
    notes: list[Note]
    unrecognised: Counter = field(default_factory=Counter)
    personal: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: list[Path] = field(default_factory=list)
    years: list[int] = field(default_factory=list)


def read_return(path: str | Path) -> tuple[ReturnBuilder, Notes]:
    """Read one return (an XML file, or a folder of Blade CSV files).

    Raises
    ------
    DataValidationError
        If the file is missing, not a regular file (a FIFO, a device), too
        large for the memory available, not well-formed, not SEN2, of an
        unknown year, shaped like another year's return, or holds no
        ``Person`` (exit code 2).
    """
    path = Path(path)
    if not path.exists():
        raise DataValidationError(f"{path}: file not found (rule: file_not_found)")
    builder = ReturnBuilder(path.name)
    notes = Notes()
    if path.is_dir():
        files = blade_files(path)  # regular files only, checked before any is opened
        check_size(path, sum(p.stat().st_size for p in files.values()), BLADE_MEMORY_FACTOR)
        read_blade(path, builder.on_header, builder.on_person, notes)
    else:
        problem = check_regular_file(path, what="SEN2 return")
        if problem is not None:
            raise DataValidationError(f"{problem} (rule: not_a_regular_file)")
        check_size(path, path.stat().st_size, MEMORY_FACTOR)
        read_xml(path, builder.on_header, builder.on_person, notes)
    builder.check_shape(notes.tag_lines)
    if not builder.people:
        raise DataValidationError(
            f"{path}: the return holds no Person, so it reports no request at all; a "
            "council's return lists every child with a request or a plan: refused rather "
            "than publish zeros (rule: no_persons)")
    return builder, notes


def read_returns(paths: str | Path | Sequence[str | Path], *,
                 la_code: str | None = None) -> Sen2Data:
    """Read and combine SEN2 returns.

    Parameters
    ----------
    paths
        One return or a list of them: XML files or Blade CSV folders.
    la_code
        The area's code (params ``la_code``): every return's header ``LEA`` must
        be it. Without it, the returns of a list must still share one ``LEA``.

    Returns
    -------
    Sen2Data

    Raises
    ------
    DataValidationError
        Listing every return that cannot be read, another area's return
        (rule ``lea_mismatch``; ``lea_missing`` for a header without ``LEA``
        that has something to agree with), or a UPN shared by two children
        (``shared_upn``) (exit code 2).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sen2.xml"
    >>> _ = path.write_text(
    ...     "<Message><Header><CollectionDetails><Collection>SEN2</Collection>"
    ...     "<Year>2025</Year></CollectionDetails><Source><LEA>999</LEA></Source></Header>"
    ...     "<Persons><Person><UPN>A999000000001</UPN><Requests>"
    ...     "<ReceivedDate>2024-02-05</ReceivedDate><RequestOutcome>N</RequestOutcome>"
    ...     "<RequestOutcomeDate>2024-03-14</RequestOutcomeDate></Requests>"
    ...     "<Requests><RequestOutcome>H</RequestOutcome></Requests></Person></Persons>"
    ...     "</Message>")
    >>> data = read_returns(path)
    >>> data.requests[["request_id", "request_outcome", "request_outcome_date"]]
         request_id request_outcome request_outcome_date
    0  999-2025-1-1      not_assess           2024-03-14
    >>> data.tables["requests"]["is_historical"].tolist()
    [False, True]
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    built, problems = [], []
    for path in paths:
        try:
            built.append(read_return(path))
        except DataValidationError as err:
            problems.append(str(err))
    if problems:
        raise DataValidationError("\n".join(problems))
    files = [Path(p) for p in paths]
    problems = check_areas([b.header.lea for b, _ in built], files, la_code)
    problems += check_shared([b for b, _ in built], files)
    if problems:
        raise DataValidationError("\n".join(problems))
    return combine([b for b, _ in built], [n for _, n in built], [Path(p) for p in paths])


def lea_codes(la_code: str) -> frozenset[str]:
    """The SEN2 ``LEA`` codes (DfE's 3-digit codes) that a params ``la_code`` stands for.

    A 3-digit code stands for itself; a 9-character ONS code for the DfE codes
    DfE's published figures give it (empty when they do not know it).

    Examples
    --------
    >>> sorted(lea_codes(" 999 ")), sorted(lea_codes("E06000032")), sorted(lea_codes("E1"))
    (['999'], ['821'], [])
    """
    code = str(la_code).strip()
    if len(code) == 3 and code.isdigit():
        return frozenset({code})
    from sendreport.benchmarks import load_dfe_timeliness

    dfe = load_dfe_timeliness()
    return frozenset(dfe.loc[dfe["la_code"].eq(code).fillna(False), "old_la_code"].dropna())


def check_areas(leas: list[str | None], files: list[Path], la_code: str | None) -> list[str]:
    r"""Problems that show returns are not all the area's own: one line per problem.

    Each ``LEA`` must be one of :func:`lea_codes` of ``la_code``; without
    ``la_code``, all must be equal. A return without ``LEA`` is refused when
    there is ``la_code`` or another return to agree with.

    Examples
    --------
    >>> check_areas(["999", "999"], [Path("a.xml"), Path("b.xml")], "999")
    []
    >>> print("\n".join(check_areas(["999", "886"], [Path("a.xml"), Path("b.xml")], None)))
    ... # doctest: +NORMALIZE_WHITESPACE
    b.xml: Header LEA is '886' but a.xml's is '999': returns of different local authorities
    cannot be combined; give only the area's own returns (rule: lea_mismatch)
    """
    problems = []
    if la_code is not None and str(la_code).strip():
        expected = lea_codes(la_code)
        shown = str(la_code).strip()
        if not expected:
            return [f"la_code {shown!r} is neither a 3-digit DfE LA code nor an LA code in "
                    "DfE's published figures, so the SEN2 returns' LEA cannot be checked "
                    "against it: give la_code as the area's 3-digit code, as in the "
                    "returns' Header LEA (rule: lea_mismatch)"]
        stands = "" if shown in expected else f" (DfE code {', '.join(sorted(expected))})"
        for lea, path in zip(leas, files, strict=True):
            if lea is None:
                problems.append(
                    f"{path}: the Header has no LEA, so the return cannot be checked to be "
                    f"la_code {shown!r}'s own (rule: lea_missing)")
            elif lea not in expected:
                problems.append(
                    f"{path}: Header LEA is {lea!r} but la_code is {shown!r}{stands}: a "
                    "return of another local authority is refused (rule: lea_mismatch)")
        return problems
    if len(leas) < 2:
        return problems
    first = next(((lea, path) for lea, path in zip(leas, files, strict=True) if lea), None)
    for lea, path in zip(leas, files, strict=True):
        if lea is None:
            problems.append(
                f"{path}: the Header has no LEA, so the return cannot be checked to be the "
                "same area's as the others (rule: lea_missing)")
        elif first is not None and lea != first[0]:
            problems.append(
                f"{path}: Header LEA is {lea!r} but {first[1]}'s is {first[0]!r}: returns of "
                "different local authorities cannot be combined; give only the area's own "
                "returns (rule: lea_mismatch)")
    return problems


def check_shared(builders: list[ReturnBuilder], files: list[Path]) -> list[str]:
    """Problems of UPNs (or ULNs) shared by Person records that cannot be one child.

    Within a return, see :func:`~sendreport.sen2.tables.differ`; across returns,
    each return's first record of a UPN is compared with the first return's.
    One line per file (and pair of files), with how many identifiers and the
    Person lines, never the identifier, name or birth date.
    """
    pairs: dict[tuple[Path, Path, str], list[tuple[int, int]]] = {}
    seen: dict[str, tuple[tuple, Path]] = {}
    for builder, path in zip(builders, files, strict=True):
        for kind, first_line, line in builder.shared:
            pairs.setdefault((path, path, kind), []).append((first_line, line))
        for link, who in builder.identities.items():
            first = seen.setdefault(link, (who, path))
            if first[1] != path and differ(first[0], who, same_return=False):
                pairs.setdefault((first[1], path, who[0]), []).append((first[0][4], who[4]))
    problems = []
    for (a, b, kind), lines in pairs.items():
        shown = "; ".join(f"lines {x} and {y}" if a == b
                          else f"{a.name} line {x} and {b.name} line {y}"
                          for x, y in sorted(lines)[:10])
        more = f" and {len(lines) - 10:,} more" if len(lines) > 10 else ""
        where = f"{a}" if a == b else f"{a} and {b}"
        problems.append(
            f"{where}: {len(lines):,} {kind}{'s' if len(lines) > 1 else ''} shared by Person "
            f"records whose names or birth dates differ (Person at {shown}{more}): two "
            f"children cannot share a {kind}, and their requests would be merged; correct "
            "the return (rule: shared_upn)")
    return problems


def combine(builders: list[ReturnBuilder], notes: list[Notes], files: list[Path]) -> Sen2Data:
    """Combine returns: one row per request, the latest year's version of it."""
    order = sorted(range(len(builders)), key=lambda i: builders[i].header.year)
    person_map: dict[str, str] = {}
    request_key: dict[tuple, tuple[int, str]] = {}  # key -> (return, first request id)
    parts: dict[str, list[pd.DataFrame]] = {}
    excluded_parts, kept_notes = [], []
    unrecognised: Counter = Counter()
    rows_of: list[dict[str, pd.DataFrame]] = []
    for i in order:
        b = builders[i]
        frames = b.frames()
        req = frames["requests"]
        req["_rule"] = [b.excluded.get(k) for k in range(len(req))]
        rename_person = {}
        for pid, link in zip(req["person_id"].tolist(), req["_link"].tolist(), strict=True):
            if isinstance(link, str):
                first = person_map.setdefault(link, pid)
                if first != pid:
                    rename_person[pid] = first
        rows_of.append({"frames": frames, "rename_person": rename_person, "index": i})
        unrecognised.update(notes[i].unrecognised)
        kept_notes.extend(b.notes.values())
    # Requests: the same request in several returns counted once (latest version kept).
    for position, entry in enumerate(rows_of):
        req = entry["frames"]["requests"]
        people = _renamed(req["person_id"], entry["rename_person"])
        who = req["_link"].where(req["_link"].notna(), people)
        rename_request = {}
        for rid, who_k, received, start, hist, rule in zip(
                req["request_id"].tolist(), who.tolist(), req["received_date"].tolist(),
                req["named_plan_start_date"].tolist(), req["is_historical"].tolist(),
                req["_rule"].tolist(), strict=True):
            received = received if isinstance(received, str) else None
            start = start if isinstance(start, str) else None
            if isinstance(rule, str):
                continue
            if hist or not received:
                if not start:
                    continue
                key = (who_k, "H", start[:10])
            else:
                key = (who_k, received[:10])
            first = request_key.get(key)
            if first is not None and first[0] == position:
                continue  # two requests of one day in one return: both kept
            if first is not None:
                rename_request[rid] = first[1]
                request_key[key] = (position, first[1])
            else:
                request_key[key] = (position, rid)
        entry["rename_request"] = rename_request
        entry["people"] = people
    latest = {rid: position for position, rid in request_key.values()}
    for position, entry in enumerate(rows_of):
        frames = entry["frames"]
        for name, frame in frames.items():
            frame["person_id"] = _renamed(frame["person_id"], entry["rename_person"])
            frame["request_id"] = _renamed(frame["request_id"], entry["rename_request"])
            if name == "requests":
                bad = frame["_rule"].notna()
                if bad.any():
                    excluded_parts.append(frame[bad])
                    frame = frame[~bad]
            if name != "reviews" and len(rows_of) > 1:  # reviews: a plan's latest in each
                where = frame["request_id"].map(latest)
                frame = frame[(where.isna() | where.eq(position)).to_numpy()]
            parts.setdefault(name, []).append(frame)
    tidy = {name: frames[0].reset_index(drop=True) if len(frames) == 1
            else pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    parts.clear()
    rows_of.clear()
    reviews = tidy["reviews"]
    if len(reviews):
        reviews["review_id"] = reviews["request_id"] + "-AR" + reviews["return_year"].astype(str)
        tidy["reviews"] = _same_reviews_once(reviews)
    requests = tidy["requests"]
    active = ~requests["is_historical"].astype(bool).to_numpy()
    canonical = requests.reindex(columns=[*CANONICAL_REQUESTS, "_line"])[active]
    excluded = (pd.concat(excluded_parts, ignore_index=True) if excluded_parts
                else pd.DataFrame(columns=[*CANONICAL_REQUESTS, "_rule", "_line"]))
    excluded = excluded.reindex(columns=[*CANONICAL_REQUESTS, "_rule", "_line"])
    reviews_raw = tidy["reviews"].reindex(columns=list(CANONICAL_REVIEWS))
    public = {name: frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
              for name, frame in tidy.items()}
    personal = pd.concat([b.personal_frame() for b in builders],
                         ignore_index=True).drop_duplicates(ignore_index=True)
    tables = typed(public)
    del public, tidy
    release_memory()
    return Sen2Data(
        tables=tables,
        requests=canonical.drop(columns="_line").reset_index(drop=True),
        reviews=reviews_raw,
        request_lines=[int(x) for x in canonical["_line"]],
        review_lines=[0] * len(reviews_raw),
        excluded=excluded.rename(columns={"_rule": "rule"}).drop(columns="_line"),
        notes=_merge_notes(kept_notes, excluded),
        unrecognised=unrecognised,
        personal=personal,
        files=files,
        years=[b.header.year for b in builders],
    )


def _merge_notes(notes: list[Note], excluded: pd.DataFrame) -> list[Note]:
    merged: dict[tuple[str, str], Note] = {}
    for note in notes:
        into = merged.setdefault((note.column, note.rule),
                                 Note(note.column, note.rule, excludes=note.excludes))
        into.lines.extend(note.lines)
    return list(merged.values())


def _same_reviews_once(reviews: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per review (the latest return's): the same plan and meeting, or decision.

    A review seen in two returns has the same meeting date in both, or (a 2023
    return holds no meeting date) the same decision date.
    """
    plan = ["person_id", "named_plan_start_date"]
    for column in ("review_meeting_date", "review_decision_date"):
        dated = reviews[column].notna()
        later = reviews[dated].duplicated([*plan, column], keep="last")
        reviews = reviews.drop(index=later[later].index)
    return reviews.reset_index(drop=True)


def _renamed(ids: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Replace the ids ``mapping`` names; the rest stay."""
    if not mapping:
        return ids
    new = ids.map(mapping)
    return new.where(new.notna(), ids)


def release_memory() -> None:
    """Give memory freed by the copies made here back to the system (Arrow keeps it pooled)."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
