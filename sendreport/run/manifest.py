"""``manifest.json``: what a run read, what it wrote, and with which software."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sendreport.outputs import package_versions, sha256_file
from sendreport.params import Params


def git_commit(folder: Path) -> str | None:
    """The git commit of ``folder``'s checkout, or ``None`` outside one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def write_manifest(
    folder: Path,
    *,
    params: Params,
    params_path: Path,
    started_at: str,
    seconds: float,
    destination: Path | None = None,
    annex: Path | None = None,
) -> Path:
    """Write ``manifest.json`` for the outputs in ``folder``.

    Parameters
    ----------
    folder
        The run's output folder, holding every output already.
    params
        The validated params.
    params_path
        The params file that was run.
    started_at
        UTC start time, ISO 8601.
    seconds
        Run time so far.
    destination
        The folder the outputs will be published in (default ``folder``): the
        params file's path is recorded relative to it, so ``sendreport verify``
        finds the params file again without the manifest naming anyone's home folder.
    annex
        The confidential annex, published in its own folder beside
        ``destination``: its hash is recorded, never its content.

    Returns
    -------
    Path
        The manifest's path.
    """
    destination = Path(destination or folder).absolute()
    outputs = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }
    manifest = {
        "sendreport_manifest": 1,
        "area_name": params.area_name,
        "period_start": params.period_start.isoformat(),
        "period_end": params.period_end.isoformat(),
        "audience": params.audience,
        "params": {
            "file": params_path.name,
            "path": Path(os.path.relpath(params_path.resolve(), destination)).as_posix(),
            "sha256": sha256_file(params_path),
        },
        "inputs": {
            label: {"file": path.name, "sha256": sha256_file(path)}
            for label, path in params.input_files().items()
        },
        "outputs": outputs,
        "confidential_annex": None
        if annex is None
        else {
            "folder": f"{destination.name}-confidential",
            "file": annex.name,
            "sha256": sha256_file(annex),
        },
        "versions": package_versions(),
        "git_commit": git_commit(Path(__file__).resolve().parent),
        "started_at": started_at,
        "run_seconds": round(seconds, 2),
    }
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return path
