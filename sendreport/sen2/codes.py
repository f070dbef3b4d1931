"""What a SEN2 return may hold: its element tree, tag aliases and code lists.

Every tag is compared in lower case (councils' software spells some tags
differently, for example ``SENsetting`` and ``SENSetting``). ``ALIASES`` maps
spellings seen in other readers onto the real tag; anything not in ``TREE``
or ``ALIASES`` is reported as unrecognised, never dropped silently.
"""

from __future__ import annotations

TREE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # element: (leaf fields, child elements), lower case
    "person": (
        frozenset({"surname", "forename", "personbirthdate", "gendercurrent", "sex", "ethnicity",
                   "postcode", "upn", "uniquelearnernumber", "upnunknown"}),
        frozenset({"requests"}),
    ),
    "requests": (
        frozenset({"receiveddate", "requestsource", "rya", "requestoutcomedate",
                   "requestoutcome", "requestmediation", "requesttribunal", "exported"}),
        frozenset({"assessment", "activeplans"}),
    ),
    "assessment": (
        frozenset({"assessmentoutcome", "assessmentoutcomedate", "assessmentmediation",
                   "assessmenttribunal", "othermediation", "othertribunal", "week20"}),
        frozenset({"namedplan"}),
    ),
    "namedplan": (
        frozenset({"startdate", "planres", "planwbp", "pb", "oa", "dp", "ceasedate",
                   "ceasereason"}),
        frozenset({"plandetail"}),
    ),
    "plandetail": (
        frozenset({"urn", "ukprn", "sensetting", "sensettingother", "placementrank",
                   "senunitindicator", "resourcedprovisionindicator"}),
        frozenset(),
    ),
    "activeplans": (
        frozenset({"transferla", "res", "wbp", "reviewmeeting", "reviewoutcome", "lastreview",
                   "reviewdraft", "phasetransferduedate", "phasetransferfinaldate"}),
        frozenset({"placementdetail", "senneed"}),
    ),
    "placementdetail": (
        frozenset({"urn", "ukprn", "sensetting", "sensettingother", "placementrank",
                   "entrydate", "leavingdate", "senunitindicator",
                   "resourcedprovisionindicator", "res", "wbp", "attendancepattern"}),
        frozenset(),
    ),
    "senneed": (frozenset({"sentype", "sentyperank"}), frozenset()),
}
"""Each element of a ``Person`` subtree: its leaf tags and its child elements."""

HEADER_FIELDS = frozenset({
    "collection", "year", "referencedate", "sourcelevel", "lea", "softwarecode", "release",
    "serialno", "datetime", "dmo", "dco", "dsco",
})
"""Leaf tags of ``Header`` (looked for anywhere under it)."""

HEADER_GROUPS = frozenset({"collectiondetails", "source", "ladetails"})
"""Elements of ``Header`` that only group its fields."""

ALIASES: dict[str, str] = {
    "wpb": "wbp",
    "planwpb": "planwbp",
    "namedplans": "namedplan",
    "request": "requests",
    "senneeds": "senneed",
}
"""Other spellings (lower case) and the tag they stand for."""

REQUEST_OUTCOMES = {"Y": "assess", "N": "not_assess", "W": "withdrawn", "A": "ongoing",
                    "T": "withdrawn"}
"""SEN2 ``RequestOutcome`` to the canonical code (T: legacy 2022 "transferred");
``H`` (historical) is not an outcome of the year: those chains carry older plans."""

ASSESSMENT_OUTCOMES = {"Y": "issue_plan", "N": "not_issue_plan", "W": "withdrawn",
                       "A": "ongoing", "S": "issue_plan", "T": "withdrawn"}
"""SEN2 ``AssessmentOutcome`` to the canonical code (S, T: legacy 2022 codes)."""

HISTORICAL = "H"

REVIEW_OUTCOMES = {"A": "amend", "C": "cease", "M": "maintain"}
"""SEN2 ``ReviewOutcome`` to the canonical review outcome."""

SEN_TYPES = ("SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "DS",
             "OTH")
"""SEN2 ``SENtype`` codes (DS from 2025)."""

REQUEST_SOURCES = {"1": "parent_or_young_person", "2": "education_setting", "3": "health",
                   "4": "social_care", "5": "other"}
"""SEN2 ``RequestSource`` (2025 on)."""

CEASE_REASONS = {
    "1": "maximum_age", "2": "needs_met_without_plan", "3": "higher_education",
    "4": "paid_employment", "5": "transferred_to_another_la", "6": "no_longer_engaging",
    "7": "moved_outside_england", "8": "deceased", "9": "other",
}
"""SEN2 ``CeaseReason``."""

SEX_FROM_GENDER_CURRENT = {"1": "M", "2": "F"}
"""2023 ``GenderCurrent`` (0 not known, 1 male, 2 female, 9 not specified) to ``Sex``."""

YEAR_TAGS: dict[str, tuple[int, int]] = {
    # tag: (first year, last year) it belongs to
    "gendercurrent": (2022, 2023),
    "sex": (2024, 2099),
    "attendancepattern": (2022, 2023),
    "reviewmeeting": (2024, 2099),
    "reviewoutcome": (2024, 2099),
    "requestsource": (2025, 2099),
    "reviewdraft": (2025, 2099),
    "phasetransferduedate": (2025, 2099),
    "phasetransferfinaldate": (2025, 2099),
    "dsco": (2025, 2099),
}
"""Tags that exist only in some years' returns: a tag outside its years is a wrong shape."""

FIRST_YEAR, LAST_YEAR = 2023, 2026
"""Return years whose shape is known (the first person-level collection was 2023)."""
