"""The files shipped inside the package: the notebooks, and the demo's params and plan.

In the repository ``sendreport/bundled/notebooks`` and ``sendreport/bundled/params``
are symlinks to the project's own ``notebooks/`` and ``params/`` folders, so each
file has one copy, edited where the user guide says it is. A wheel holds the
files themselves (``[tool.setuptools.package-data]`` in ``pyproject.toml``
names them), so an installed sendreport runs ``sendreport demo``,
``sendreport synth --areas`` and ``sendreport verify`` with no checkout.

Everything here is read through :mod:`importlib.resources`; the files are
used in place (papermill needs a notebook on disk), so sendreport runs from an
unzipped install, as pip installs it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = [
    "DEMO_PARAMS", "DEMO_PLAN", "DEMO_SEN2_PARAMS", "NOTEBOOKS", "STOCKTAKE", "bundled_file",
]


def bundled_file(relative: str) -> Path:
    """The bundled file or folder at ``relative``, a path on disk.

    Parameters
    ----------
    relative
        Its path inside the bundle, ``/``-separated (``"notebooks/stocktake.ipynb"``).

    Returns
    -------
    pathlib.Path
        Where it is, every symlink resolved (in a checkout: the file in
        ``notebooks/`` or ``params/``).

    Raises
    ------
    FileNotFoundError
        If the installed package does not hold it (a wheel built without its
        package data).

    Examples
    --------
    >>> bundled_file("notebooks/stocktake.ipynb").name
    'stocktake.ipynb'
    """
    found = resources.files(__name__).joinpath(*relative.split("/"))
    if not found.is_file() and not found.is_dir():
        raise FileNotFoundError(
            f"the installed sendreport has no {relative} (a build without its package data)"
        )
    return Path(str(found)).resolve()


NOTEBOOKS = bundled_file("notebooks")
"""The shipped notebooks: the stocktake pack and the worked analyses."""

STOCKTAKE = bundled_file("notebooks/stocktake.ipynb")
"""The stocktake notebook every pack runs."""

DEMO_PARAMS = bundled_file("params/demo.yaml")
"""Demoshire's params file, the template of the one ``sendreport demo`` writes."""

DEMO_PLAN = bundled_file("params/plans/demoshire-pap.yaml")
"""Demoshire's Priority Action Plan."""

DEMO_SEN2_PARAMS = bundled_file("params/demo-sen2.yaml")
"""Demoshire from its SEN2 returns: ``sendreport demo`` writes it beside the demo's params."""
