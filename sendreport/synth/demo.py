"""The inputs of ``sendreport demo``, written under its output folder.

``write_demo_inputs(folder)`` writes a small project::

    folder/params/demo.yaml                 the bundled demo params file, as it is
    folder/params/demo-sen2.yaml            the SEN2 demo's params file, as it is
    folder/params/plans/demoshire-pap.yaml  the bundled Priority Action Plan
    folder/notebooks/stocktake.ipynb        the bundled stocktake notebook
    folder/data/demo/*.csv                  the synthetic Demoshire tables
    folder/data/demo/sen2-*.xml             the same EHC records as SEN2 returns

laid out as the repository is, so the params file's relative paths
(``../notebooks/``, ``plans/``, ``../data/demo/``) lead to the copies beside it:
the demo needs nothing from a checkout, writes nothing outside ``folder``, and
its params file has the same bytes (and hash) wherever it runs.
``sendreport run folder/params/demo.yaml`` builds the same pack again, and
``sendreport run folder/params/demo-sen2.yaml`` the pack from the SEN2 returns,
with no data to write by hand.
"""

from __future__ import annotations

from pathlib import Path

from sendreport.bundled import DEMO_PARAMS, DEMO_PLAN, DEMO_SEN2_PARAMS, STOCKTAKE
from sendreport.errors import ParameterError

__all__ = ["write_demo_inputs"]


def write_demo_inputs(folder: str | Path) -> Path:
    """Write the demo's params files, plan, notebook and data under ``folder``.

    Parameters
    ----------
    folder
        Folder to write into (created if missing); the files are written afresh.

    Returns
    -------
    pathlib.Path
        The params file, ``folder/params/demo.yaml``.

    Raises
    ------
    ParameterError
        If ``folder`` is a file (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> from sendreport.params import read_params
    >>> folder = Path(tempfile.mkdtemp()).resolve()
    >>> params = read_params(write_demo_inputs(folder))
    >>> params.notebook.relative_to(folder).as_posix()
    'notebooks/stocktake.ipynb'
    >>> sorted(Path(p).relative_to(folder).as_posix() for p in params.data.values())
    ... # doctest: +NORMALIZE_WHITESPACE
    ['data/demo/measures.csv', 'data/demo/referrals.csv', 'data/demo/requests.csv',
     'data/demo/reviews.csv']
    """
    from sendreport.sen2.write import write_returns
    from sendreport.synth import generate, write_synthetic

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"demo: {folder} must be a folder, not a file")
    params = folder / "params" / DEMO_PARAMS.name
    copies = {
        params: DEMO_PARAMS,
        params.parent / DEMO_SEN2_PARAMS.name: DEMO_SEN2_PARAMS,
        params.parent / "plans" / DEMO_PLAN.name: DEMO_PLAN,
        folder / "notebooks" / STOCKTAKE.name: STOCKTAKE,
    }
    for copy, bundled in copies.items():
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(bundled.read_bytes())
    write_synthetic(folder / "data" / "demo")
    # the SEN2 demo's returns: the same records (the same seed) in the returns' shape
    write_returns(generate(), folder / "data" / "demo")
    return params
