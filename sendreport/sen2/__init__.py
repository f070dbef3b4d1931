"""A council's SEN2 person-level return, read directly (SPEC 4.6).

``read_returns(paths)`` reads one or several returns (the XML file sent to
DfE, or the folder of COLLECT "Blade" CSV exports) into tidy tables and the
canonical ``requests`` and ``reviews`` tables every KPI uses;
:func:`sendreport.validation.load_data` calls it for ``data: {sen2: ...}``.
``write_returns`` writes synthetic tables as returns, for the demo and tests.

Modules: ``codes`` (element tree, aliases, code lists), ``stream`` (safe
streaming XML reader), ``blade`` (Blade CSV reader), ``tables`` (records to
tidy tables and identifiers), ``read`` (one or several returns combined),
``write`` (synthetic returns).
"""

from __future__ import annotations

from sendreport.sen2.read import Sen2Data, read_return, read_returns

__all__ = ["Sen2Data", "read_return", "read_returns"]
