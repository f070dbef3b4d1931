"""``sendreport new NAME``: a new analysis notebook and its params file, ready to run.

The notebook has the parameters cell every sendreport notebook has, the call
that loads and validates the params file's tables, and one cell tagged
``report`` with a first chart; the params file points at the synthetic demo
data (written to ``data/demo/`` when it is not there yet), so
``sendreport run params/NAME.yaml`` works before anything is changed.

Nothing is ever overwritten (SPEC 7): every file ``new`` writes is created
exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``), so neither an existing file
nor a symlink (dangling or not) at its place is written to or through, and
every place is checked before the first file is written, so a refused ``new``
writes nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import nbformat

from sendreport.errors import ParameterError

__all__ = ["PARAMETER_DEFAULTS", "create_exclusively", "new_analysis"]

PARAMETER_DEFAULTS = {
    "notebook": '"analysis.ipynb"',
    "area_name": '"Example area"',
    "period_start": '"2024-07-01"',
    "period_end": '"2024-12-31"',
    "plan": '"plan.yaml"',
    "data": "{}",
    "la_code": "None",
    "reference_date": "None",
    "baseline_period_start": "None",
    "baseline_period_end": "None",
    "previous_period_end": "None",
    "classification": '"OFFICIAL"',
    "suppression_threshold": "5",
    "audience": '"shared"',
    "population": "None",
    "benchmarks": "None",
    "title": "None",
    "author": "None",
    "contacts": "[]",
    "next_update": "None",
    "columns": "{}",
    "values": "{}",
    "split": "{}",
    "date_format": "{}",
    "header_row": "{}",
    "sheet": "{}",
    "max_excluded_share": "0.05",
    "data_from": "{}",
    "exclude": "{}",
}
"""The parameters cell of an analysis notebook: every params key with its default."""

_NAME = re.compile(r"[a-z][a-z0-9-]{0,59}")

_FIRST_CHART = '''\
# Tagged "report": this cell's figures, tables and markdown are printed in the PDF.
referrals = analysis.tables["referrals"]
period = pd.Timestamp(analysis.params.period_start), pd.Timestamp(analysis.params.period_end)
seen = referrals[referrals["first_contact_date"].between(*period)]
weeks = (seen["first_contact_date"] - seen["referral_date"]).dt.days / 7
bands = pd.cut(weeks, [0, 6, 12, 18, 26, 52, float("inf")], right=False, labels=[
    "Under 6", "6 to 11", "12 to 17", "18 to 25", "26 to 51", "52 or more"])
children = bands.value_counts(sort=False)
# A bar of 1 to 4 children could name them: a shared pack leaves such bars out (SPEC 7),
# and the privacy guard refuses a chart that shows one.
p = analysis.params
if p.audience != "internal":
    children = children[~is_small(children, p.suppression_threshold)]
with sr.chart_style():
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sns.barplot(x=children.index.astype(str), y=children.to_numpy(), color="#12436D", ax=ax)
    ax.set(title="Weeks waited by children first seen in the period",
           xlabel="Weeks from referral to first contact", ylabel="Children")
plt.show()
'''


def new_analysis(name: str, root: str | Path = ".") -> tuple[Path, Path]:
    """Write ``notebooks/NAME.ipynb`` and ``params/NAME.yaml`` under ``root``.

    Parameters
    ----------
    name
        Lower-case letters, digits and hyphens, starting with a letter.
    root
        The project folder (holding ``notebooks/`` and ``params/``).

    Returns
    -------
    tuple of pathlib.Path
        The notebook and the params file.

    Raises
    ------
    ParameterError
        If the name is not allowed, or anything (a symlink too) is already
        where one of its files would go: the notebook, the params file, the
        plan it writes when ``params/plans/demoshire-pap.yaml`` is not there,
        or the demo tables it writes when ``data/demo/`` lacks
        ``referrals.csv`` or ``requests.csv``. Nothing is written then; nothing
        is ever overwritten (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> nb, params = new_analysis("waits-by-need", root)
    >>> nb.relative_to(root).as_posix(), params.relative_to(root).as_posix()
    ('notebooks/waits-by-need.ipynb', 'params/waits-by-need.yaml')
    >>> print(params.read_text().splitlines()[2])
    notebook: ../notebooks/waits-by-need.ipynb
    """
    if not _NAME.fullmatch(name):
        raise ParameterError(
            f"new: the name {name!r} must be lower-case letters, digits and hyphens, "
            "starting with a letter (e.g. waits-by-need)"
        )
    root = Path(root)
    notebook = root / "notebooks" / f"{name}.ipynb"
    params = root / "params" / f"{name}.yaml"
    plan = params.parent / "plans" / "demoshire-pap.yaml"
    files = {notebook: nbformat.writes(_notebook(name)).encode("utf-8") + b"\n"}
    if not plan.exists():  # outside this repository: a plan of one area, so the run starts
        plan = params.parent / "plans" / f"{name}.yaml"
        files[plan] = _MINIMAL_PLAN.encode("utf-8")
    files[params] = _params(name, plan.relative_to(params.parent).as_posix()).encode("utf-8")
    _refuse_existing(files)
    demo = root / "data" / "demo"
    if not (demo / "referrals.csv").exists() or not (demo / "requests.csv").exists():
        files.update(_demo_data(demo))
        _refuse_existing(files)
    create_exclusively(files)
    return notebook, params


def _refuse_existing(files: dict[Path, bytes]) -> None:
    """Refuse (exit code 2) if anything, a symlink too, is where a file would be written."""
    existing = [
        f"{path} (a symlink)" if path.is_symlink() else str(path)
        for path in files
        if os.path.lexists(path)
    ]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise ParameterError(
            f"new: {' and '.join(existing)} already {verb}; nothing written "
            "(new never overwrites)"
        )


def _demo_data(demo: Path) -> dict[Path, bytes]:
    """The synthetic demo tables, as the files ``data/demo/`` would hold."""
    from sendreport.synth import write_synthetic

    with tempfile.TemporaryDirectory(prefix="sendreport-new-") as tmp:
        return {demo / path.name: path.read_bytes() for path in write_synthetic(tmp).values()}


def create_exclusively(files: dict[Path, bytes]) -> None:
    """Create each file with its content; never overwrite, never follow a symlink.

    Parameters
    ----------
    files
        Path to content. The folders are made as needed.

    Raises
    ------
    ParameterError
        Something is already at one of the paths (it appeared since it was
        checked): the files this call created are removed again (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "a" / "x.txt"
    >>> create_exclusively({target: b"one"})
    >>> create_exclusively({target.with_name("y.txt"): b"two", target: b"again"})
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: new: .../a/x.txt already exists; nothing written (new never overwrites)
    >>> sorted(p.name for p in target.parent.iterdir()), target.read_bytes()
    (['x.txt'], b'one')
    """  # noqa: E501
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    created: list[Path] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, flags, 0o666)
            except FileExistsError:
                raise ParameterError(
                    f"new: {path} already exists; nothing written (new never overwrites)"
                ) from None
            created.append(path)
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _notebook(name: str) -> nbformat.NotebookNode:
    v4 = nbformat.v4
    title = name.replace("-", " ").capitalize()
    parameters = "# Parameters: each params file key overrides one of these.\n" + "\n".join(
        f"{key} = {value}" for key, value in PARAMETER_DEFAULTS.items()
    )
    cells = [
        v4.new_markdown_cell(
            f"# {title}\n\nRun with `sendreport run params/{name}.yaml`. Only cells tagged "
            "`report` (and markdown cells not tagged `no-report`) reach the PDF.",
            metadata={"tags": ["no-report"]},
        ),
        v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        v4.new_code_cell(
            "import matplotlib.pyplot as plt\nimport pandas as pd\nimport seaborn as sns\n\n"
            "import sendreport as sr\n"
            "from sendreport.disclosure.rule import is_small\n"
            "from sendreport.pack.analysis import Analysis\n\n"
            f"analysis = Analysis.from_parameters(globals(), title={title!r})"
        ),
        v4.new_markdown_cell("## How long children wait to be seen"),
        v4.new_code_cell(_FIRST_CHART, metadata={"tags": ["report"]}),
    ]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


_MINIMAL_PLAN = """\
# A plan of one priority area, written by `sendreport new` (see docs/plan.md).
title: Analysis
type: priority_action_plan
priority_areas:
  - id: PA1
    title: Health waiting lists
    what_we_will_do: Understand who waits longest, and why.
    what_will_be_different: Children are seen sooner.
"""


def _params(name: str, plan: str) -> str:
    return (
        f"# {name}: an analysis on the bundled synthetic Demoshire data.\n"
        "# Point `data` at your own tables (docs/user-guide.md) to run it on yours.\n"
        f"notebook: ../notebooks/{name}.ipynb\n"
        "area_name: Demoshire\n"
        "period_start: 2024-07-01\n"
        "period_end: 2024-12-31\n"
        f"plan: {plan}\n"
        "data:\n"
        "  referrals: ../data/demo/referrals.csv\n"
        "  requests: ../data/demo/requests.csv\n"
        "classification: OFFICIAL\n"
    )
