"""Seeded synthetic data for the demo area, Demoshire, and for benchmarks.

The tables tell the story of REPORT.md: an Ofsted/CQC inspection in February
2023 found widespread failings; EHC plan timeliness had collapsed during 2022
and recovers from mid-2023, with a step after EHC coordinators were recruited
in September 2023; speech and language therapy and autism assessment lists
grew until extra capacity was commissioned in January 2024. Everything is drawn
with vectorised numpy from ``numpy.random.default_rng`` streams spawned from one
seed, so the same seed always gives the same tables and the same bytes.

``scale="national"`` draws many areas' worth of rows (about 700,000 requests,
2.5 million reviews and 2 million referrals) with the same shapes, for
benchmarks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sendreport.errors import ParameterError
from sendreport.synth._csv import write_csv
from sendreport.synth._helpers import key_for, pseudonyms
from sendreport.synth.measures import measures_table
from sendreport.synth.referrals import referrals_table
from sendreport.synth.requests import requests_table
from sendreport.synth.reviews import reviews_table

__all__ = ["EXTRACT_DATE", "TABLES", "generate", "write_synthetic"]

EXTRACT_DATE = "2025-01-31"
"""The data extract date: outcomes later than this are not yet known."""

TABLES = ("requests", "reviews", "referrals", "measures")
"""The tables :func:`generate` returns, in order."""

_SCALES = {
    # volume multiplier per table, person id prefix and digits
    "la": ({"requests": 1.0, "reviews": 1.0, "referrals": 1.0, "measures": 1.0}, "DS-", 7),
    "national": (
        {"requests": 167.0, "reviews": 253.0, "referrals": 108.0, "measures": 150.0},
        "EN-",
        8,
    ),
}
_LINKED_REFERRALS = 0.25
"""Share of referrals made for a child who also had an EHC needs assessment request."""


def generate(
    *, scale: Literal["la", "national"] = "la", seed: int = 2026
) -> dict[str, pd.DataFrame]:
    """Generate the synthetic Demoshire tables.

    Parameters
    ----------
    scale
        ``"la"`` for one local area (about 1,000 requests a year), or
        ``"national"`` for many areas' worth with the same shapes.
    seed
        Non-negative seed; the same seed gives the same tables.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``requests``, ``reviews`` and ``referrals`` with the canonical columns
        of SPEC 4.1-4.3 (dates ``datetime64`` with ``NaT`` for missing, ids and
        codes ``str``, ``exception_20wk`` ``bool``), and ``measures`` (SPEC
        4.5, ``numerator``/``denominator`` nullable integers, ``value`` empty
        where they give a percentage).

    Raises
    ------
    ParameterError
        If ``scale`` or ``seed`` is not valid.

    Examples
    --------
    >>> tables = generate(seed=1)
    >>> sorted(tables)
    ['measures', 'referrals', 'requests', 'reviews']
    >>> tables["requests"]["request_id"].iloc[0]
    'REQ-000001'
    """
    if scale not in _SCALES:
        raise ParameterError(f"scale must be 'la' or 'national', not {scale!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, not {seed!r}")
    volume, prefix, digits = _SCALES[scale]
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(5)]

    requests, issued_people, issued_days = requests_table(
        streams[0], volume=volume["requests"], extract=EXTRACT_DATE
    )
    n_request_people = int(requests["person_id"].max()) + 1
    reviews = reviews_table(
        streams[1],
        volume=volume["reviews"],
        extract=EXTRACT_DATE,
        issued_people=issued_people,
        issued_days=issued_days,
        stock_offset=n_request_people,
    )
    referrals = referrals_table(streams[2], volume=volume["referrals"], extract=EXTRACT_DATE)
    measures = measures_table(streams[3], volume=volume["measures"])

    # Referral people: a quarter are children from the requests table, the rest
    # are numbered after everyone in the requests and reviews tables.
    rng = streams[4]
    ref_people = referrals["person_id"].to_numpy() + int(reviews["person_id"].max()) + 1
    linked = rng.random(ref_people.size) < _LINKED_REFERRALS
    ref_people[linked] = rng.integers(0, n_request_people, int(linked.sum()))
    key = key_for(rng, digits)
    for table, people in (
        (requests, requests["person_id"].to_numpy()),
        (reviews, reviews["person_id"].to_numpy()),
        (referrals, ref_people),
    ):
        table["person_id"] = pseudonyms(people, prefix=prefix, digits=digits, key=key)
    return {"requests": requests, "reviews": reviews, "referrals": referrals, "measures": measures}


def write_synthetic(
    out_dir: str | Path, *, scale: Literal["la", "national"] = "la", seed: int = 2026
) -> dict[str, Path]:
    """Generate the synthetic tables and write them as CSV files.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing).
    scale, seed
        As for :func:`generate`.

    Returns
    -------
    dict of str to pathlib.Path
        The path of ``requests.csv``, ``reviews.csv``, ``referrals.csv`` and
        ``measures.csv``. Files are UTF-8 with LF line endings, ISO dates
        (empty when missing) and booleans as ``true``/``false``; the same seed
        writes the same bytes.

    Raises
    ------
    ParameterError
        If ``scale`` or ``seed`` is not valid, or ``out_dir`` is a file.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_synthetic(tempfile.mkdtemp(), seed=1)
    >>> sorted(p.name for p in paths.values())
    ['measures.csv', 'referrals.csv', 'requests.csv', 'reviews.csv']
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"out_dir must be a folder, not the file {out}")
    tables = generate(scale=scale, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, table in tables.items():
        paths[name] = out / f"{name}.csv"
        write_csv(table, paths[name])
    return paths
