"""Write synthetic tables as SEN2 returns (XML, or a Blade CSV folder), one per year.

Return year ``Y`` reports the calendar year ``Y - 1``: every request received
by its end and not closed before its start, as known on 31 December; every
plan in force in that year (issued in it, or an older plan as a historical
``H`` chain) with its placement, needs and latest annual review (``LastReview``
only in the 2023 shape). Each year is written in its own shape: 2023
``GenderCurrent`` and ``LastReview`` only, 2024 ``Sex``, ``ReviewMeeting`` and
``ReviewOutcome``, 2025 on ``RequestSource`` too. A few withdrawn requests are
written as exported to another LA, and a few older plans as transferred in.

:func:`returned_tables` gives the canonical ``requests`` and ``reviews`` of
exactly what the returns hold, from the synthetic tables directly (not by
reading the returns), so a test can check the reader against it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sendreport.sen2.tables import census_date

YEARS = (2023, 2024, 2025)
"""Return years written by default: activity in 2022, 2023 and 2024."""

OTHER_LA = "888"
"""LA code of the area children are exported to and plans transferred in from."""

_TO_SEN2_REQUEST = {"assess": "Y", "not_assess": "N", "withdrawn": "W", "ongoing": "A"}
_TO_SEN2_ASSESSMENT = {"issue_plan": "Y", "not_issue_plan": "N", "withdrawn": "W",
                       "ongoing": "A"}
_TO_SEN2_REVIEW = {"amend": "A", "cease": "C", "maintain": "M"}
_FORENAMES = ("Alex", "Sam", "Jordan", "Riley", "Morgan", "Casey", "Jamie", "Taylor", "Robin",
              "Charlie", "Harper", "Rowan", "Eden", "Quinn", "Sasha", "Ellis")
_SURNAMES = ("Ashdown", "Brackenfield", "Coldharbour", "Dunmere", "Elmstead", "Fernhollow",
             "Greystoke", "Hawthornden", "Ivybridge", "Juniperwood", "Kestrelmoor",
             "Larkhillton", "Meadowcroft", "Nettlecombe", "Oakenshaw", "Pinewhistle")
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn(number: int, la_code: str = "999") -> str:
    """A valid-looking UPN for person ``number``: check letter, LA code, school and serial.

    Examples
    --------
    >>> from sendreport.guard import is_upn
    >>> is_upn(upn(42))
    True
    """
    body = f"{int(la_code) % 1000:03d}{(number // 100000) % 10000:04d}{number % 100000:05d}"
    weights = range(2, 14)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return _UPN_LETTERS[total % 23] + body


def _d(value) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _days(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="datetime64[D]")


def _close_dates(requests: pd.DataFrame) -> np.ndarray:
    """The day each request stopped being open (NaT while open), as the KPIs define it."""
    nat = np.datetime64("NaT", "D")
    ro, ao = requests["request_outcome"].to_numpy(), requests["assessment_outcome"].to_numpy()
    ro_date = _days(requests["request_outcome_date"])
    ao_date = _days(requests["assessment_outcome_date"])
    issued = _days(requests["plan_issued_date"])
    by_request = np.where(np.isin(ro, ["not_assess", "withdrawn"]), ro_date, nat)
    by_assessment = np.where(np.isin(ao, ["issue_plan", "not_issue_plan", "withdrawn"]),
                             ao_date, nat)
    stacked = np.stack([issued, by_request, by_assessment]).astype("datetime64[D]")
    out = np.full(len(requests), nat)
    for row in stacked:
        out = np.where(np.isnat(out) | (~np.isnat(row) & (row < out)), row, out)
    return out


def _plans(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per plan: person, start, cease, primary need, and whether it came from requests."""
    requests, reviews = tables["requests"], tables["reviews"]
    issued = requests[requests["plan_issued_date"].notna()]
    from_requests = pd.DataFrame({
        "person_id": issued["person_id"].to_numpy(),
        "start": _days(issued["plan_issued_date"]),
        "need": issued["primary_need"].to_numpy(dtype=object),
        "stock": False,
    })
    stock_people = sorted(set(reviews["person_id"]) - set(issued["person_id"]))
    first_due = reviews.groupby("person_id")["review_due_date"].min()
    needs = ("ASD", "SLCN", "SEMH", "MLD", "SLD", "SPLD", "PD", "OTH")
    stock = pd.DataFrame({
        "person_id": stock_people,
        "start": (first_due.loc[stock_people].to_numpy(dtype="datetime64[D]")
                  - np.timedelta64(365, "D")),
        "need": [needs[i % len(needs)] for i in range(len(stock_people))],
        "stock": True,
    })
    plans = pd.concat([from_requests, stock], ignore_index=True)
    cease = reviews[reviews["review_outcome"].eq("cease")]
    when = cease["review_decision_date"].fillna(
        cease["review_meeting_date"] + pd.Timedelta(28, "D"))
    ceased = when.groupby(cease["person_id"]).min()
    plans["cease"] = plans["person_id"].map(ceased).to_numpy(dtype="datetime64[D]")
    # A person's new plan replaces the one before: it ends the day before.
    plans = plans.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)
    following = plans.groupby("person_id")["start"].shift(-1).to_numpy(dtype="datetime64[D]")
    replaced = ~np.isnat(following)
    cease = plans["cease"].to_numpy(dtype="datetime64[D]")
    cease[replaced] = np.where(np.isnat(cease[replaced]) | (cease[replaced] >= following[replaced]),
                               following[replaced] - np.timedelta64(1, "D"), cease[replaced])
    plans["cease"] = cease
    return plans


def returned_tables(tables: dict[str, pd.DataFrame],
                    years: Sequence[int] = YEARS) -> dict[str, pd.DataFrame]:
    """The canonical tables of what :func:`write_returns` writes, from the synthetic tables.

    Parameters
    ----------
    tables
        :func:`sendreport.synth.generate` output (``requests`` and ``reviews``).
    years
        The return years written.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``requests`` (SPEC 4.1 columns as the returns know them: requests closed
        before the first reported year left out, events after the last one not
        yet known, ``primary_need`` only for plans, no ``date_of_birth``) and
        ``reviews`` (SPEC 4.2, with ``review_due_date`` from the synthetic table:
        the returns do not hold it).
    """
    requests = tables["requests"]
    first = np.datetime64(f"{min(years) - 1}-01-01", "D")
    last = np.datetime64(f"{max(years) - 1}-12-31", "D")
    closed = _close_dates(requests)
    keep = (_days(requests["received_date"]) <= last) & (np.isnat(closed) | (closed >= first))
    out = _as_known(requests[keep].reset_index(drop=True), last)
    out["date_of_birth"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
    out["primary_need"] = out["primary_need"].where(out["plan_issued_date"].notna())
    captured = _captured_reviews(tables, years)
    return {"requests": out, "reviews": captured}


def _as_known(requests: pd.DataFrame, cut: np.datetime64) -> pd.DataFrame:
    """The requests as known at the end of day ``cut``: later outcomes not yet made."""
    out = requests.copy()
    late_request = _days(out["request_outcome_date"]) > cut
    late_assessment = _days(out["assessment_outcome_date"]) > cut
    out.loc[late_request, "request_outcome"] = "ongoing"
    out.loc[late_request, "request_outcome_date"] = pd.NaT
    out.loc[late_request, ["assessment_outcome"]] = None
    out.loc[late_request, ["assessment_outcome_date", "plan_issued_date"]] = pd.NaT
    late_assessment &= ~late_request
    out.loc[late_assessment, "assessment_outcome"] = "ongoing"
    out.loc[late_assessment, ["assessment_outcome_date", "plan_issued_date"]] = pd.NaT
    out.loc[out["plan_issued_date"].isna(), "exception_20wk"] = False
    return out


def _latest_reviews(reviews: pd.DataFrame, cut: np.datetime64) -> pd.DataFrame:
    """Each person's latest review with a meeting on or before ``cut``, as known then."""
    held = reviews[_days(reviews["review_meeting_date"]) <= cut]
    latest = held.sort_values(["person_id", "review_meeting_date"]).groupby("person_id").tail(1)
    latest = latest.copy()
    late = ~(_days(latest["review_decision_date"]) <= cut)
    latest.loc[late, "review_decision_date"] = pd.NaT
    latest.loc[late, "review_outcome"] = None
    return latest


def _in_force(plans: pd.DataFrame, year: int) -> np.ndarray:
    start = np.datetime64(f"{year - 1}-01-01", "D")
    end = np.datetime64(f"{year - 1}-12-31", "D")
    cease = plans["cease"].to_numpy(dtype="datetime64[D]")
    return (plans["start"].to_numpy() <= end) & (np.isnat(cease) | (cease >= start))


def _captured_reviews(tables: dict[str, pd.DataFrame], years: Sequence[int]) -> pd.DataFrame:
    reviews, plans = tables["reviews"], _plans(tables)
    seen: dict[str, dict] = {}
    for year in sorted(years):
        cut = np.datetime64(f"{year - 1}-12-31", "D")
        active = plans[_in_force(plans, year)]
        active = active[~(active["cease"].to_numpy(dtype="datetime64[D]") <= cut)]
        latest = _latest_reviews(reviews[reviews["person_id"].isin(active["person_id"])], cut)
        for row in latest.itertuples(index=False):
            record = row._asdict()
            if year == 2023:  # LastReview only
                previous = seen.get(row.review_id)
                record["review_meeting_date"] = (previous or {}).get("review_meeting_date",
                                                                     pd.NaT)
                record["review_outcome"] = (previous or {}).get("review_outcome")
            seen[row.review_id] = record
    frame = pd.DataFrame(list(seen.values()), columns=list(reviews.columns))
    frame = frame[frame["review_meeting_date"].notna() | frame["review_decision_date"].notna()]
    return frame.reset_index(drop=True)


def person_records(tables: dict[str, pd.DataFrame], year: int) -> list[dict]:
    """The persons of return ``year`` as nested records (lower-case tags, see ``codes.TREE``)."""
    requests, reviews = tables["requests"], tables["reviews"]
    first = np.datetime64(f"{year - 1}-01-01", "D")
    cut = np.datetime64(f"{year - 1}-12-31", "D")
    closed = _close_dates(requests)
    keep = (_days(requests["received_date"]) <= cut) & (np.isnat(closed) | (closed >= first))
    known = _as_known(requests[keep], cut)
    plans = _plans(tables)
    plans = plans[_in_force(plans, year)]
    latest = _latest_reviews(reviews[reviews["person_id"].isin(plans["person_id"])], cut)
    latest = latest.set_index("person_id")
    people: dict[str, dict] = {}
    births = tables["requests"].groupby("person_id")["date_of_birth"].first()

    def person(pid: str) -> dict:
        if pid not in people:
            number = int("".join(ch for ch in pid if ch.isdigit()) or 0)
            birth = births.get(pid)
            if birth is None or pd.isna(birth):
                birth = pd.Timestamp("2010-01-01") + pd.Timedelta(number % 4000, "D")
            rec = {"surname": _SURNAMES[number % len(_SURNAMES)],
                   "forename": _FORENAMES[(number // 7) % len(_FORENAMES)],
                   "personbirthdate": _d(birth),
                   "ethnicity": ("WBRI", "WIRI", "MWBC", "ASIN", "BAFR", "CHNE")[number % 6],
                   "postcode": f"ZZ{number % 90 + 10} {number % 9}ZZ", "upn": upn(number),
                   "requests": []}
            sex = ("M", "F")[number % 3 == 0]
            if year == 2023:
                rec["gendercurrent"] = {"M": "1", "F": "2"}[sex]
            else:
                rec["sex"] = sex
            people[pid] = rec
        return people[pid]

    plan_of = {(pid, np.datetime64(row.start, "D")): row
               for pid, row in zip(plans["person_id"], plans.itertuples(index=False),
                                   strict=True)}
    newest = plans.groupby("person_id")["start"].max()
    withdrawn_seen = 0
    for row in known.sort_values(["person_id", "received_date"]).itertuples(index=False):
        r = {"receiveddate": _d(row.received_date), "rya": "0",
             "requestoutcome": _TO_SEN2_REQUEST[row.request_outcome],
             "requestoutcomedate": _d(row.request_outcome_date),
             "requestmediation": "0", "requesttribunal": "0"}
        if year >= 2025:
            r["requestsource"] = str(1 + int(row.received_date.day) % 5)
        withdrawn = "withdrawn" in (row.request_outcome, row.assessment_outcome)
        if withdrawn:
            withdrawn_seen += 1
            if withdrawn_seen % 8 == 1:
                r["exported"] = OTHER_LA
        if row.request_outcome == "assess":
            a = {"assessmentoutcome": _TO_SEN2_ASSESSMENT[row.assessment_outcome],
                 "assessmentoutcomedate": _d(row.assessment_outcome_date),
                 "assessmentmediation": "0", "assessmenttribunal": "0",
                 "othermediation": "0", "othertribunal": "0",
                 "week20": "1" if row.exception_20wk else "0"}
            if pd.notna(row.plan_issued_date):
                start = np.datetime64(row.plan_issued_date, "D")
                plan = plan_of.pop((row.person_id, start), None)
                a["namedplan"] = [_named_plan(row.plan_issued_date, plan)]
                reviewed = latest if newest.get(row.person_id) == start else latest.iloc[:0]
                r["activeplans"] = [_active_plan(plan, reviewed, row.person_id,
                                                 row.primary_need, row.plan_issued_date, year,
                                                 cut)]
            r["assessment"] = [a]
        person(row.person_id)["requests"].append(r)
    for (pid, start), plan in plan_of.items():  # older plans: historical chains
        if not (plan.start < first or plan.stock):
            continue
        reviewed = latest if newest.get(pid) == start else latest.iloc[:0]
        h = {"requestoutcome": "H",
             "assessment": [{"assessmentoutcome": "H",
                             "namedplan": [_named_plan(plan.start, plan)]}],
             "activeplans": [_active_plan(plan, reviewed, pid, plan.need, plan.start, year,
                                          cut)]}
        number = int("".join(ch for ch in pid if ch.isdigit()) or 0)
        if plan.stock and number % 25 == 0 and year == min(YEARS):
            h["activeplans"][0]["transferla"] = OTHER_LA
        person(pid)["requests"].append(h)
    return [people[pid] for pid in sorted(people)]


def _named_plan(start, plan) -> dict:
    named = {"startdate": _d(start), "pb": "0",
             "plandetail": [{"urn": "100000", "placementrank": "1", "senunitindicator": "0",
                             "resourcedprovisionindicator": "0"}]}
    if plan is not None and not pd.isna(plan.cease):
        named["ceasedate"] = _d(plan.cease)
        named["ceasereason"] = "2"
    return named


def _active_plan(plan, latest: pd.DataFrame, pid: str, need, start, year: int, cut) -> dict:
    active: dict = {}
    if plan is not None and not pd.isna(plan.cease) and np.datetime64(plan.cease, "D") <= cut:
        return active  # ceased in the year: no longer an active plan
    if pid in latest.index:
        review = latest.loc[pid]
        if year >= 2024:
            active["reviewmeeting"] = _d(review["review_meeting_date"])
            outcome = review["review_outcome"]
            if isinstance(outcome, str):
                active["reviewoutcome"] = _TO_SEN2_REVIEW[outcome]
        active["lastreview"] = _d(review["review_decision_date"])
    placement = {"urn": "100000", "placementrank": "1", "entrydate": _d(start),
                 "senunitindicator": "0", "resourcedprovisionindicator": "0"}
    if year == 2023:
        placement["attendancepattern"] = "FT"
    active["placementdetail"] = [placement]
    needs = [{"sentype": need if isinstance(need, str) else "OTH", "sentyperank": "1"}]
    if isinstance(need, str) and need != "SLCN":
        needs.append({"sentype": "SLCN", "sentyperank": "2"})
    active["senneed"] = needs
    return {k: v for k, v in active.items() if v is not None}


# ------------------------------------------------------------------ writing
_ORDER = {
    "person": ("surname", "forename", "personbirthdate", "gendercurrent", "sex", "ethnicity",
               "postcode", "upn", "uniquelearnernumber", "upnunknown"),
    "requests": ("receiveddate", "requestsource", "rya", "requestoutcomedate", "requestoutcome",
                 "requestmediation", "requesttribunal", "exported"),
    "assessment": ("assessmentoutcome", "assessmentoutcomedate", "assessmentmediation",
                   "assessmenttribunal", "othermediation", "othertribunal", "week20"),
    "namedplan": ("startdate", "planres", "planwbp", "pb", "oa", "dp", "ceasedate", "ceasereason"),
    "plandetail": ("urn", "ukprn", "sensetting", "sensettingother", "placementrank",
                   "senunitindicator", "resourcedprovisionindicator"),
    "activeplans": ("transferla", "res", "wbp", "reviewmeeting", "reviewoutcome", "lastreview",
                    "reviewdraft", "phasetransferduedate", "phasetransferfinaldate"),
    "placementdetail": ("urn", "ukprn", "sensetting", "sensettingother", "placementrank",
                        "entrydate", "leavingdate", "senunitindicator",
                        "resourcedprovisionindicator", "res", "wbp", "attendancepattern"),
    "senneed": ("sentype", "sentyperank"),
}
_CHILDREN = {"person": ("requests",), "requests": ("assessment", "activeplans"),
             "assessment": ("namedplan",), "namedplan": ("plandetail",),
             "activeplans": ("placementdetail", "senneed")}
TAG = {
    "person": "Person", "requests": "Requests", "assessment": "Assessment",
    "namedplan": "NamedPlan", "plandetail": "PlanDetail", "activeplans": "ActivePlans",
    "placementdetail": "PlacementDetail", "senneed": "SENneed", "surname": "Surname",
    "forename": "Forename", "personbirthdate": "PersonBirthDate",
    "gendercurrent": "GenderCurrent", "sex": "Sex", "ethnicity": "Ethnicity",
    "postcode": "PostCode", "upn": "UPN", "uniquelearnernumber": "UniqueLearnerNumber",
    "upnunknown": "UPNunknown", "receiveddate": "ReceivedDate", "requestsource": "RequestSource",
    "rya": "RYA", "requestoutcomedate": "RequestOutcomeDate", "requestoutcome": "RequestOutcome",
    "requestmediation": "RequestMediation", "requesttribunal": "RequestTribunal",
    "exported": "Exported", "assessmentoutcome": "AssessmentOutcome",
    "assessmentoutcomedate": "AssessmentOutcomeDate",
    "assessmentmediation": "AssessmentMediation", "assessmenttribunal": "AssessmentTribunal",
    "othermediation": "OtherMediation", "othertribunal": "OtherTribunal", "week20": "Week20",
    "startdate": "StartDate", "planres": "PlanRes", "planwbp": "PlanWBP", "pb": "PB", "oa": "OA",
    "dp": "DP", "ceasedate": "CeaseDate", "ceasereason": "CeaseReason", "urn": "URN",
    "ukprn": "UKPRN", "sensetting": "SENSetting", "sensettingother": "SENSettingOther",
    "placementrank": "PlacementRank", "senunitindicator": "SENunitIndicator",
    "resourcedprovisionindicator": "ResourcedProvisionIndicator", "transferla": "TransferLA",
    "res": "Res", "wbp": "WBP", "reviewmeeting": "ReviewMeeting",
    "reviewoutcome": "ReviewOutcome", "lastreview": "LastReview", "reviewdraft": "ReviewDraft",
    "phasetransferduedate": "PhaseTransferDueDate",
    "phasetransferfinaldate": "PhaseTransferFinalDate", "entrydate": "EntryDate",
    "leavingdate": "LeavingDate", "attendancepattern": "AttendancePattern", "sentype": "SENtype",
    "sentyperank": "SENtypeRank",
}
"""The XML spelling of each lower-case tag."""


def header_fields(year: int, la_code: str) -> dict[str, str]:
    """The header of a synthetic return of ``year``."""
    fields = {"collection": "SEN2", "year": str(year),
              "referencedate": census_date(year).isoformat(), "sourcelevel": "L",
              "lea": la_code, "softwarecode": "sendreport-synth", "release": "1",
              "serialno": "001", "datetime": f"{year}-01-20T09:00:00", "dmo": "Y", "dco": "Y"}
    if year >= 2025:
        fields["dsco"] = "N"
    return fields


def write_xml(path: Path, year: int, people: list[dict], la_code: str = "999") -> Path:
    """Write one return as XML, person by person (streamed, so any size fits in memory)."""
    from lxml import etree

    header = header_fields(year, la_code)
    with etree.xmlfile(str(path), encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("Message"):
            head = etree.Element("Header")
            details = etree.SubElement(head, "CollectionDetails")
            for key, tag in (("collection", "Collection"), ("year", "Year"),
                             ("referencedate", "ReferenceDate")):
                etree.SubElement(details, tag).text = header[key]
            source = etree.SubElement(head, "Source")
            for key, tag in (("sourcelevel", "SourceLevel"), ("lea", "LEA"),
                             ("softwarecode", "SoftwareCode"), ("release", "Release"),
                             ("serialno", "SerialNo"), ("datetime", "DateTime"), ("dmo", "DMO"),
                             ("dco", "DCO"), ("dsco", "DSCO")):
                if key in header:
                    etree.SubElement(source, tag).text = header[key]
            xf.write(head, pretty_print=True)
            with xf.element("Persons"):
                for person in people:
                    xf.write(_element(person, "person"), pretty_print=True)
    return path


def _element(record: dict, kind: str):
    from lxml import etree

    elem = etree.Element(TAG[kind])
    for key in _ORDER[kind]:
        value = record.get(key)
        if value is not None:
            etree.SubElement(elem, TAG[key]).text = str(value)
    for child in _CHILDREN.get(kind, ()):
        for item in record.get(child, ()):
            elem.append(_element(item, child))
    return elem


def write_blade(folder: Path, year: int, people: list[dict], la_code: str = "999") -> Path:
    """Write one return as a COLLECT Blade export: one CSV per module, Blade-style dates."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"07-03-{year}"
    rows: dict[str, list[dict]] = {m: [] for m in ("sen2", *_ORDER)}
    header = header_fields(year, la_code)
    rows["sen2"].append({"sen2tableid": "1", **{k: _blade(k, v) for k, v in header.items()}})
    counter = {m: 0 for m in _ORDER}
    parent_of = {"person": "sen2", "requests": "person", "assessment": "requests",
                 "namedplan": "assessment", "plandetail": "namedplan",
                 "activeplans": "requests", "placementdetail": "activeplans",
                 "senneed": "activeplans"}

    def add(record: dict, kind: str, parent_id: str) -> None:
        counter[kind] += 1
        own = str(counter[kind])
        row = {f"{kind}tableid": own, f"{parent_of[kind]}tableid": parent_id,
               "NativeId": la_code, f"{kind}orderseqcolumn": own}
        row.update({k: _blade(k, record.get(k)) for k in _ORDER[kind]})
        rows[kind].append(row)
        for child in _CHILDREN.get(kind, ()):
            for item in record.get(child, ()):
                add(item, child, own)

    for person in people:
        add(person, "person", "1")
    for module, table in rows.items():
        columns = list(table[0]) if table else [f"{module}tableid"]
        with (folder / f"Blade-Export_{stamp}_{module}.csv").open(
                "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            writer.writerows(table)
    return folder


def _blade(key: str, value) -> str:
    if value is None:
        return ""
    if ("date" in key or key in ("lastreview", "reviewmeeting")) and len(str(value)) == 10:
        day = dt.date.fromisoformat(str(value))
        return day.strftime("%Y-%b-%d 00:00:00")
    return str(value)


def write_returns(tables: dict[str, pd.DataFrame], out_dir: str | Path, *,
                  years: Sequence[int] = YEARS, la_code: str = "999",
                  blade: bool = False) -> list[Path]:
    """Write the synthetic tables as one SEN2 return per year.

    Parameters
    ----------
    tables
        :func:`sendreport.synth.generate` output (``requests`` and ``reviews``).
    out_dir
        Folder to write into (created if missing).
    years
        Return years (2023 to 2026); each is written in its own shape.
    la_code
        The header's LA code.
    blade
        Write COLLECT Blade CSV folders (``sen2-<year>-blade/``) instead of XML.

    Returns
    -------
    list of pathlib.Path
        ``sen2-<year>.xml`` files (or Blade folders), in year order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in sorted(years):
        people = person_records(tables, year)
        if blade:
            paths.append(write_blade(out / f"sen2-{year}-blade", year, people, la_code))
        else:
            paths.append(write_xml(out / f"sen2-{year}.xml", year, people, la_code))
    return paths
