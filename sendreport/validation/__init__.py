"""Input validation: the only part of sendreport that distrusts data.

``load_data()`` reads the input tables (via :mod:`sendreport.io`), maps local
column names and codes onto the canonical ones of SPEC section 4, converts
types, validates with pandera and excludes the rows that break a rule, counting
them in a data quality table. ``format_quality()`` gives the analyst's summary.
"""

from __future__ import annotations

from sendreport.validation.load import LoadedData, load_data
from sendreport.validation.quality import format_quality
from sendreport.validation.schemas import TABLES, ColumnSpec, TableSpec, schema

__all__ = ["TABLES", "ColumnSpec", "LoadedData", "TableSpec", "format_quality", "load_data",
           "schema"]
