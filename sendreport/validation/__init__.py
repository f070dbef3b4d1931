"""Input validation: the only part of sendreport that distrusts data.

``load_data()`` reads the input tables (via :mod:`sendreport.io`), maps local
column names and codes onto the canonical ones of SPEC section 4, converts
types, validates with pandera and excludes the rows that break a rule, counting
them in a data quality table. ``format_quality()`` gives the analyst's summary.

In a notebook, one line gives the validated tables::

    loaded = load_data(data, columns=columns, values=values, date_format=date_format,
                       header_row=header_row)
    requests = loaded["requests"]

Decisions an analyst may need to know
-------------------------------------
- ``header_row`` is 1-based, as Excel numbers rows: ``3`` means the header is on
  row 3 and two title rows above it are skipped.
- Row numbers in messages and in the summary are the rows as the analyst sees
  them in the file (header on row 1: first data row is row 2; Parquet rows are
  numbered from 1). Blank rows keep their place. They are never written to
  ``data_quality.csv``, which holds counts only.
- A CSV is read as UTF-8 (with or without a byte order mark) when the whole file
  is valid UTF-8, otherwise as Windows-1252; the quality table then has an
  ``encoding_windows_1252`` row.
- A header-only file is a table with no rows (not an error). A 0-byte or blank
  file, a directory, an unknown extension or an unreadable file stops the run.
- Column names match whatever their surrounding whitespace and case; columns we
  do not use are dropped straight after reading, never validated or passed on,
  and named (names only) in ``LoadedData.unused``, with ``columns:`` keys that
  match no column of the file: ``validate`` lists them by table and a run warns.
  Optional columns missing from the file are added empty (``exception_20wk``
  false).
- Blank rows (no value in any column we use) are dropped and counted as
  ``blank_row``; they do not count towards the excluded share.
- Duplicate ids: a row that repeats an earlier row exactly is dropped and counted
  as ``duplicate_row`` (the first copy is kept); rows that share an id but differ
  are all excluded as ``duplicate_id``, since we cannot tell which is right.
- A row is excluded once however many rules it breaks, but it is counted under
  every rule it breaks; ``rows_excluded`` counts rows. A cell that cannot be read
  (``invalid_date``) is not also counted as ``missing_value``.
- The run stops when ``rows_excluded`` is more than ``max_excluded_share`` of the
  rows read (blank rows and exact copies aside).
"""

from __future__ import annotations

from sendreport.validation.load import LoadedData, load_data
from sendreport.validation.quality import format_quality
from sendreport.validation.schemas import TABLES, ColumnSpec, TableSpec, schema

__all__ = ["TABLES", "ColumnSpec", "LoadedData", "TableSpec", "format_quality", "load_data",
           "schema"]
