"""The tables a params file names, read and validated in one call."""

from __future__ import annotations

from pathlib import Path

from sendreport.params import Params, read_params
from sendreport.validation import LoadedData, load_data

__all__ = ["load_inputs"]


def load_inputs(params: str | Path | Params) -> LoadedData:
    r"""Read a params file (or take parsed params) and load and validate every table it names.

    The same mapping, date formats, exclusions and rules as ``sendreport run``,
    so an analysis starts from exactly the rows the pack counts.

    Parameters
    ----------
    params
        Path of a params YAML file, or :class:`~sendreport.params.Params`.

    Returns
    -------
    LoadedData
        ``.tables`` (validated frames by table name) and ``.quality``.

    Raises
    ------
    ParameterError
        If the params file is wrong (every problem listed).
    DataValidationError
        If a table cannot be used (named file, column and rule).

    Examples
    --------
    >>> import tempfile
    >>> from sendreport.synth import write_synthetic
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = write_synthetic(folder, seed=3)
    >>> _ = (folder / "plan.yaml").write_text(
    ...     "title: Plan\ntype: priority_action_plan\npriority_areas: []\n")
    >>> _ = (folder / "analysis.ipynb").write_text("{}")
    >>> _ = (folder / "p.yaml").write_text(
    ...     "notebook: analysis.ipynb\narea_name: Demoshire\n"
    ...     "period_start: 2024-07-01\nperiod_end: 2024-12-31\nplan: plan.yaml\n"
    ...     "data: {requests: requests.csv}\n")
    >>> loaded = load_inputs(folder / "p.yaml")
    >>> sorted(loaded.tables)
    ['requests']
    """
    if not isinstance(params, Params):
        params = read_params(params)
    return load_data(params.data, **params.load_options())
