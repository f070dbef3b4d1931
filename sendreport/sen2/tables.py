"""Turn the records of a SEN2 return into tidy tables (reference section 6).

One :class:`ReturnBuilder` per file receives the header and then each person,
and builds five tables keyed by made-up identifiers (the return holds none):

- ``requests``: one row per ``Requests`` element, in the canonical columns of
  SPEC 4.1 (``request_outcome`` as ``assess``/``not_assess``/..., ``historical``
  for ``H`` chains) plus what the return adds (secondary need, request source,
  mediation and tribunal flags, ``exported_to_la``, ``transfer_in_la``,
  ``is_historical``, the named plan's start and cease);
- ``reviews``: one row per ``ActivePlans`` that reports a review;
- ``placements``, ``needs`` and ``named_settings``: one row per
  ``PlacementDetail``, ``SENneed`` and ``NamedPlan/PlanDetail``.

``person_id`` is ``<LA>-<year>-<n>`` (the n-th person in the file) and
``request_id`` is ``<person_id>-<m>`` (the m-th request of that person).
Names, birth dates, postcodes, UPNs and ULNs are read only to link a person
across returns and to tell the privacy guard what to look for: they are kept
in ``personal`` (never in a table).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import pandas as pd

from sendreport.errors import DataValidationError
from sendreport.sen2 import codes
from sendreport.sen2.stream import Record
from sendreport.validation.rules import Rule
from sendreport.vocabulary import TRUE_WORDS

REQUEST_COLUMNS = (
    "request_id", "person_id", "received_date", "request_outcome", "request_outcome_date",
    "assessment_outcome", "assessment_outcome_date", "plan_issued_date", "exception_20wk",
    "primary_need", "secondary_need", "request_source", "rya", "request_mediation",
    "request_tribunal", "assessment_mediation", "assessment_tribunal", "other_mediation",
    "other_tribunal", "exported_to_la", "transfer_in_la", "is_historical",
    "named_plan_start_date", "cease_date", "cease_reason", "sex", "ethnicity", "return_year",
    "la_code",
)
REVIEW_COLUMNS = (
    "review_id", "request_id", "person_id", "review_meeting_date", "review_decision_date",
    "review_outcome", "review_draft_date", "phase_transfer_due_date",
    "phase_transfer_final_date", "named_plan_start_date", "transfer_in_la", "return_year",
)
PLACEMENT_COLUMNS = (
    "request_id", "person_id", "placement_seq", "urn", "ukprn", "sen_setting",
    "sen_setting_other", "placement_rank", "entry_date", "leaving_date", "sen_unit",
    "resourced_provision", "residential", "work_based", "attendance_pattern", "return_year",
)
NEED_COLUMNS = ("request_id", "person_id", "sen_type", "rank", "return_year")
NAMED_SETTING_COLUMNS = (
    "request_id", "person_id", "urn", "ukprn", "sen_setting", "sen_setting_other",
    "placement_rank", "sen_unit", "resourced_provision", "return_year",
)
PERSONAL_COLUMNS = ("upn_id", "uln_id", "postcode_id", "surname_id", "forename_id",
                    "full_name_id", "date_of_birth")
"""The values the privacy guard must look for (``*_id`` columns are identifiers to it)."""

DATE_COLUMNS = {
    "requests": ("received_date", "request_outcome_date", "assessment_outcome_date",
                 "plan_issued_date", "named_plan_start_date", "cease_date"),
    "reviews": ("review_meeting_date", "review_decision_date", "review_draft_date",
                "phase_transfer_due_date", "phase_transfer_final_date",
                "named_plan_start_date"),
    "placements": ("entry_date", "leaving_date"),
    "needs": (),
    "named_settings": (),
}
FLAG_COLUMNS = {
    "requests": ("exception_20wk", "rya", "request_mediation", "request_tribunal",
                 "assessment_mediation", "assessment_tribunal", "other_mediation",
                 "other_tribunal", "is_historical"),
    "placements": ("sen_unit", "resourced_provision"),
    "named_settings": ("sen_unit", "resourced_provision"),
}
COLUMNS = {"requests": REQUEST_COLUMNS, "reviews": REVIEW_COLUMNS,
           "placements": PLACEMENT_COLUMNS, "needs": NEED_COLUMNS,
           "named_settings": NAMED_SETTING_COLUMNS}

_REVIEW_TAGS = ("reviewmeeting", "lastreview", "reviewoutcome", "reviewdraft",
                "phasetransferduedate", "phasetransferfinaldate")


@dataclass
class Note:
    """A count the data quality table shows: column, rule and the lines it was seen on."""

    column: str
    rule: str
    lines: list[int] = field(default_factory=list)
    excludes: bool = False


@dataclass
class Header:
    """A return's header: collection year, LA code (for identifiers) and census date.

    ``lea`` is the header's ``LEA`` as written, ``None`` when the header has none
    (``la_code`` is then ``"LA"``).
    """

    year: int
    la_code: str
    reference_date: str | None
    lea: str | None = None


class ReturnBuilder:
    """Collect one return's records into tidy tables (see the module docstring).

    Parameters
    ----------
    source
        The file name, for messages.
    """

    def __init__(self, source: str):
        self.source = source
        self.header: Header | None = None
        self.rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self.chunks: dict[str, list[pd.DataFrame]] = {name: [] for name in COLUMNS}
        self.count: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self.personal: list[tuple] = []
        self.personal_chunks: list[pd.DataFrame] = []
        self._link: str | None = None  # of the person being read
        self._line = 0  # of the request being read
        self.notes: dict[tuple[str, str], Note] = {}
        self.excluded: dict[int, str] = {}  # request row position -> rule
        self.people = 0
        # link -> (identifier kind, folded surname, forename, birth date, line) of its first Person
        self.identities: dict[str, tuple] = {}
        self.shared: list[tuple[str, int, int]] = []  # (kind, first line, line) within the return

    # ----------------------------------------------------------------- header
    def on_header(self, fields: dict, line: int) -> None:
        """Check the header: a SEN2 collection of a known year (else exit code 2)."""
        where = f"{self.source}: line {line}"
        collection = (fields.get("collection") or "").upper()
        if collection != "SEN2":
            raise DataValidationError(
                f"{where}: not a SEN2 return: Header Collection is "
                f"{fields.get('collection')!r}, not 'SEN2' (rule: not_sen2)")
        year_text = fields.get("year") or ""
        if not (year_text.isdigit() and len(year_text) == 4):
            raise DataValidationError(
                f"{where}: Header Year is {year_text!r}, not a year such as 2025 "
                "(rule: wrong_year_shape)")
        year = int(year_text)
        if not codes.FIRST_YEAR <= year <= codes.LAST_YEAR:
            raise DataValidationError(
                f"{where}: Header Year {year}: only the {codes.FIRST_YEAR} to "
                f"{codes.LAST_YEAR} person-level returns can be read (rule: wrong_year_shape)")
        lea = (fields.get("lea") or "").strip() or None
        self.header = Header(year, lea or "LA", fields.get("referencedate"), lea)

    def check_shape(self, tag_lines: dict[str, int]) -> None:
        """Refuse tags that do not belong to the header's year (exit code 2)."""
        assert self.header is not None
        year = self.header.year
        wrong = sorted(
            (line, tag) for tag, line in tag_lines.items()
            if tag in codes.YEAR_TAGS and not codes.YEAR_TAGS[tag][0] <= year
            <= codes.YEAR_TAGS[tag][1]
        )
        if wrong:
            listed = ", ".join(f"{tag} (first on line {line})" for line, tag in wrong)
            raise DataValidationError(
                f"{self.source}: the Header says {year}, but the file has tags of another "
                f"year's return: {listed} (rule: wrong_year_shape)")

    # ----------------------------------------------------------------- people
    def on_person(self, person: Record) -> None:
        """Add one ``Person`` and its requests to the tables."""
        header = self.header
        assert header is not None
        self.people += 1
        person_id = f"{header.la_code}-{header.year}-{person.get('_id') or self.people}"
        g = person.get
        link = _link(g("upn"), g("uniquelearnernumber"), g("surname"), g("forename"),
                     g("personbirthdate"))
        if link is not None and (g("upn") or g("uniquelearnernumber")):
            who = ("UPN" if g("upn") else "ULN", _fold(g("surname")), _fold(g("forename")),
                   (g("personbirthdate") or "").strip()[:10] or None, person.get("_line") or 0)
            first = self.identities.setdefault(link, who)
            if first is not who and differ(first, who, same_return=True):
                self.shared.append((who[0], first[4], who[4]))
        self.personal.append((g("upn"), g("uniquelearnernumber"), g("postcode"), g("surname"),
                              g("forename"), g("personbirthdate")))
        if len(self.personal) >= CHUNK:
            self.personal_chunks.append(personal_frame(self.personal))
            self.personal = []
        self._link = link
        sex = g("sex")
        if sex is None and g("gendercurrent") is not None:
            sex = codes.SEX_FROM_GENDER_CURRENT.get(g("gendercurrent"))
        plans: list[tuple[int, str, str, int]] = []
        for seq, request in enumerate(person.get("requests", ()), start=1):
            position = self.count["requests"]
            request_id = f"{person_id}-{request.get('_id') or seq}"
            self._line = request.get("_line") or 0
            span = self._request(request, request_id, person_id, sex, g("ethnicity"))
            if span is not None:
                plans.append((position, *span, self._line))
        if len(plans) > 1:
            self._check_plans(plans)

    def _add(self, table: str, row: dict) -> None:
        values = tuple(row[c] for c in COLUMNS[table])
        if table == "requests":
            values += (self._link, self._line)
        rows = self.rows[table]
        rows.append(values)
        self.count[table] += 1
        if len(rows) >= CHUNK:
            self.chunks[table].append(_frame(table, rows))
            self.rows[table] = []

    def frames(self) -> dict[str, pd.DataFrame]:
        """The tidy tables (dates as ISO text), requests with ``_link`` and ``_line``."""
        out = {}
        for table in COLUMNS:
            parts = [*self.chunks[table], _frame(table, self.rows[table])]
            self.chunks[table], self.rows[table] = [], []
            out[table] = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
        return out

    def personal_frame(self) -> pd.DataFrame:
        """The personal values read (see :func:`personal_frame`)."""
        parts = [*self.personal_chunks, personal_frame(self.personal)]
        self.personal_chunks, self.personal = [], []
        return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)

    def _note(self, column: str, rule: str, line: int, *, excludes: bool = False) -> None:
        note = self.notes.setdefault((column, rule), Note(column, rule, excludes=excludes))
        note.lines.append(line)

    def _request(self, r: Record, request_id: str, person_id: str, sex: str | None,
                 ethnicity: str | None) -> tuple[str, str] | None:
        header = self.header
        assert header is not None
        line = r.get("_line") or 0
        assessment = self._single(r, "assessment", "requests", line)
        plan = self._single(assessment, "namedplan", "assessment", line)
        active = self._single(r, "activeplans", "requests", line)
        ro = (r.get("requestoutcome") or "").upper()
        ao = (assessment.get("assessmentoutcome") or "").upper()
        historical = codes.HISTORICAL in (ro, ao)
        received = r.get("receiveddate")
        ro_date = r.get("requestoutcomedate")
        ao_date = assessment.get("assessmentoutcomedate")
        exported = r.get("exported")

        request_outcome = codes.REQUEST_OUTCOMES.get(ro, ro.lower() or None)
        assessment_outcome = (codes.ASSESSMENT_OUTCOMES.get(ao, ao.lower() or None)
                              if assessment else None)
        issued = ao_date if ao in ("Y", "S") else None
        if historical:
            request_outcome = "historical"
            assessment_outcome = "historical" if assessment else None
            year_start, year_end = f"{header.year - 1}-01-01", f"{header.year - 1}-12-31"
            if any(d and year_start <= d[:10] <= year_end for d in (received, ro_date)):
                self._note("received_date", Rule.HISTORICAL_WITH_ACTIVITY_DATES, line,
                           excludes=True)
                self.excluded[self.count["requests"]] = Rule.HISTORICAL_WITH_ACTIVITY_DATES
            else:
                self._note("", Rule.HISTORICAL_CHAIN, line)
        else:
            if ro == "N" and assessment_outcome is not None:
                request_outcome = "assess"
                self._note("request_outcome", Rule.REFUSAL_OVERTURNED, line)
            if ao in ("Y", "S") and not ao_date:
                assessment_outcome = "ongoing"
                self._note("assessment_outcome", Rule.PLAN_NOT_YET_ISSUED, line)
            if exported:
                self._note("request_outcome", Rule.EXPORTED_TO_ANOTHER_LA, line)
                if request_outcome == "assess":
                    if assessment_outcome in (None, "ongoing"):
                        assessment_outcome, issued = "withdrawn", None
                        ao_date = ao_date or ro_date
                elif request_outcome in (None, "ongoing", "withdrawn"):
                    request_outcome = "withdrawn"
                    ro_date = ro_date or received
            if request_outcome == "withdrawn" and not ro_date and received:
                ro_date = received
                self._note("request_outcome_date", Rule.WITHDRAWN_WITHOUT_DATE, line)
            if assessment_outcome == "withdrawn" and not ao_date and ro_date:
                ao_date = ro_date
                self._note("assessment_outcome_date", Rule.WITHDRAWN_WITHOUT_DATE, line)

        needs = sorted(
            ((n.get("sentyperank") or "1", (n.get("sentype") or "").upper() or None)
             for n in active.get("senneed", ())),
        )
        primary = next((t for rank, t in needs if rank == "1"), None)
        secondary = next((t for rank, t in needs if rank == "2"), None)
        year = header.year
        self._add("requests", {
            "request_id": request_id, "person_id": person_id, "received_date": received,
            "request_outcome": request_outcome, "request_outcome_date": ro_date,
            "assessment_outcome": assessment_outcome, "assessment_outcome_date": ao_date,
            "plan_issued_date": issued, "exception_20wk": assessment.get("week20"),
            "primary_need": primary, "secondary_need": secondary,
            "request_source": codes.REQUEST_SOURCES.get(r.get("requestsource") or "",
                                                        r.get("requestsource")),
            "rya": r.get("rya"), "request_mediation": r.get("requestmediation"),
            "request_tribunal": r.get("requesttribunal"),
            "assessment_mediation": assessment.get("assessmentmediation"),
            "assessment_tribunal": assessment.get("assessmenttribunal"),
            "other_mediation": assessment.get("othermediation"),
            "other_tribunal": assessment.get("othertribunal"),
            "exported_to_la": exported, "transfer_in_la": active.get("transferla"),
            "is_historical": historical, "named_plan_start_date": plan.get("startdate"),
            "cease_date": plan.get("ceasedate"),
            "cease_reason": codes.CEASE_REASONS.get(plan.get("ceasereason") or "",
                                                    plan.get("ceasereason")),
            "sex": sex, "ethnicity": ethnicity, "return_year": year,
            "la_code": header.la_code,
        })
        for rank, sen_type in needs:
            self._add("needs", {"request_id": request_id, "person_id": person_id,
                                       "sen_type": sen_type, "rank": rank, "return_year": year})
        if any(active.get(tag) for tag in _REVIEW_TAGS):
            outcome = (active.get("reviewoutcome") or "").upper()
            self._add("reviews", {
                "review_id": f"{request_id}-AR", "request_id": request_id,
                "person_id": person_id, "review_meeting_date": active.get("reviewmeeting"),
                "review_decision_date": active.get("lastreview"),
                "review_outcome": codes.REVIEW_OUTCOMES.get(outcome, outcome.lower() or None),
                "review_draft_date": active.get("reviewdraft"),
                "phase_transfer_due_date": active.get("phasetransferduedate"),
                "phase_transfer_final_date": active.get("phasetransferfinaldate"),
                "named_plan_start_date": plan.get("startdate"),
                "transfer_in_la": active.get("transferla"), "return_year": year,
            })
        for seq, p in enumerate(active.get("placementdetail", ()), start=1):
            self._add("placements", {
                "request_id": request_id, "person_id": person_id, "placement_seq": seq,
                "urn": p.get("urn"), "ukprn": p.get("ukprn"), "sen_setting": p.get("sensetting"),
                "sen_setting_other": p.get("sensettingother"),
                "placement_rank": p.get("placementrank"), "entry_date": p.get("entrydate"),
                "leaving_date": p.get("leavingdate"), "sen_unit": p.get("senunitindicator"),
                "resourced_provision": p.get("resourcedprovisionindicator"),
                "residential": p.get("res") or active.get("res"),
                "work_based": p.get("wbp") or active.get("wbp"),
                "attendance_pattern": p.get("attendancepattern"), "return_year": year,
            })
        for p in plan.get("plandetail", ()):
            self._add("named_settings", {
                "request_id": request_id, "person_id": person_id, "urn": p.get("urn"),
                "ukprn": p.get("ukprn"), "sen_setting": p.get("sensetting"),
                "sen_setting_other": p.get("sensettingother"),
                "placement_rank": p.get("placementrank"), "sen_unit": p.get("senunitindicator"),
                "resourced_provision": p.get("resourcedprovisionindicator"), "return_year": year,
            })
        start = plan.get("startdate")
        if start:
            return start[:10], (plan.get("ceasedate") or "9999-12-31")[:10]
        return None

    def _single(self, record: Record, child: str, parent: str, line: int) -> Record:
        items = record.get(child) or ()
        if len(items) > 1:
            self._note(f"{parent}/{child}", Rule.REPEATED_ELEMENT, line)
        return items[0] if items else {}

    def _check_plans(self, plans: list[tuple[int, str, str, int]]) -> None:
        """Exclude the plans of a person that are in force at the same time (n log n)."""
        for position, line in sorted(overlapping(plans).items()):
            if position not in self.excluded:
                self.excluded[position] = Rule.TWO_PLANS_AT_ONCE
                self._note("named_plan_start_date", Rule.TWO_PLANS_AT_ONCE, line, excludes=True)


def overlapping(plans: list[tuple[int, str, str, int]]) -> dict[int, int]:
    """The plans in force at the same time as another: position to line.

    ``plans`` holds ``(position, start, end, line)`` with ISO dates (both days
    in force). Sorted by start, a plan overlaps an earlier one exactly when it
    starts on or before the latest end so far, and then it overlaps the plan
    with that end; a plan that overlaps only later ones is the one with the
    latest end when the first of them comes. One sort and one sweep.

    Examples
    --------
    >>> overlapping([(0, "2020-01-01", "2020-12-31", 3), (1, "2021-01-01", "2021-06-30", 9),
    ...              (2, "2021-06-30", "9999-12-31", 15), (3, "2019-01-01", "2019-02-01", 20)])
    {1: 9, 2: 15}
    """
    clash: dict[int, int] = {}
    latest: tuple[int, str, str, int] | None = None  # the plan with the latest end so far
    for plan in sorted(plans, key=lambda p: (p[1], p[0])):
        if latest is not None and plan[1] <= latest[2]:
            clash[latest[0]] = latest[3]
            clash[plan[0]] = plan[3]
        if latest is None or plan[2] > latest[2]:
            latest = plan
    return clash


def _fold(name: str | None) -> str | None:
    return " ".join(name.split()).casefold() or None if name else None


def differ(first: tuple, other: tuple, *, same_return: bool) -> bool:
    """Whether two Person records sharing a UPN (or ULN) cannot be the same child.

    Each record is ``(kind, surname, forename, birth date, line)``, names folded;
    a value missing from either record is not compared. Their birth dates or
    forenames differ, or (in one return) their surnames: a surname may change
    between two years' returns.

    Examples
    --------
    >>> a = ("UPN", "example", "sam", "2016-03-09", 4)
    >>> differ(a, ("UPN", "example", "sam", "2016-03-09", 9), same_return=True)
    False
    >>> differ(a, ("UPN", "other", "sam", "2016-03-09", 9), same_return=False)
    False
    >>> differ(a, ("UPN", "other", "sam", "2016-03-09", 9), same_return=True)
    True
    >>> differ(a, ("UPN", "example", "sam", "2017-01-01", 9), same_return=False)
    True
    """
    compared = (1, 2, 3) if same_return else (2, 3)
    return any(first[i] and other[i] and first[i] != other[i] for i in compared)


def _link(upn: str | None, uln: str | None, surname: str | None, forename: str | None,
          birth: str | None) -> str | None:
    """A key that links one person across returns; never stored in a table."""
    if upn:
        raw = "upn:" + upn.strip().upper()
    elif uln:
        raw = "uln:" + uln.strip()
    elif surname and forename and birth:
        raw = "name:" + "|".join(v.strip().casefold() for v in (surname, forename, birth[:10]))
    else:
        return None
    return hashlib.blake2b(raw.encode("utf-8"), digest_size=12).hexdigest()


def personal_frame(rows: list[tuple]) -> pd.DataFrame:
    """The names, birth dates, postcodes, UPNs and ULNs read, as the privacy guard takes them.

    Examples
    --------
    >>> f = personal_frame([("A123456789012", None, "ZZ99 9ZZ", "Example", "Sam", "2016-03-09")])
    >>> f.loc[0, "full_name_id"], str(f.loc[0, "date_of_birth"].date())
    ('Sam Example', '2016-03-09')
    """
    frame = pd.DataFrame(rows, columns=["upn", "uln", "postcode", "surname", "forename", "dob"],
                         dtype=object)
    full = (frame["forename"].fillna("") + " " + frame["surname"].fillna("")).str.strip()
    return pd.DataFrame({
        "upn_id": frame["upn"], "uln_id": frame["uln"], "postcode_id": frame["postcode"],
        "surname_id": frame["surname"], "forename_id": frame["forename"],
        "full_name_id": full.where(full != ""),
        "date_of_birth": pd.to_datetime(frame["dob"].str[:10], errors="coerce",
                                        format="%Y-%m-%d"),
    }).drop_duplicates(ignore_index=True)


CHUNK = 20_000
"""Rows held as Python tuples before they become a compact frame (keeps memory low)."""


def _frame(table: str, rows: list[tuple]) -> pd.DataFrame:
    columns = [*COLUMNS[table], *(("_link", "_line") if table == "requests" else ())]
    frame = pd.DataFrame(rows or None, columns=columns, dtype=object)
    for column in columns:
        if column in ("return_year", "placement_seq", "_line"):
            frame[column] = frame[column].astype("int64")
        elif column == "is_historical":
            frame[column] = frame[column].astype(bool)
        else:
            frame[column] = frame[column].astype("str")
    return frame


def typed(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Return the tidy tables with dates as ``datetime64`` and 1/0 flags as ``bool``."""
    out = {}
    for name, frame in frames.items():
        for column in DATE_COLUMNS.get(name, ()):
            frame[column] = pd.to_datetime(frame[column].astype("str").str[:10],
                                           errors="coerce", format="%Y-%m-%d")
        for column in FLAG_COLUMNS.get(name, ()):
            values = frame[column]
            if values.dtype != bool:
                text = values.astype("str").str.strip().str.casefold()
                values = text.isin(TRUE_WORDS)
            frame[column] = values.astype(bool)
        out[name] = frame
    return out


def census_date(year: int) -> dt.date:
    """The census day of a return: the third Thursday of January of its year.

    Examples
    --------
    >>> census_date(2025)
    datetime.date(2025, 1, 16)
    """
    first = dt.date(year, 1, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    return thursday + dt.timedelta(days=14)

