"""``sendreport verify OUTPUT_DIR``: rerun a pack from its manifest and compare every hash.

A pack is verified when its params file and inputs still have the hashes the
manifest recorded, the files in the folder still have theirs, and a rerun
into a temporary folder gives every output again byte for byte.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.errors import ParameterError, SendReportError


@dataclass
class Verification:
    """The outcome of a verification: one line per thing checked.

    Attributes
    ----------
    lines
        ``(name, verdict)`` pairs, e.g. ``("kpis.csv", "matches")``.
    failures
        How many of them failed.
    """

    lines: list[tuple[str, str]] = field(default_factory=list)
    failures: int = 0

    def check(self, name: str, ok: bool, good: str, bad: str) -> None:
        """Record one check.

        Examples
        --------
        >>> v = Verification()
        >>> v.check("kpis.csv", False, "matches", "differs")
        >>> v.lines, v.failures, v.passed
        ([('kpis.csv', 'differs')], 1, False)
        """
        self.lines.append((name, good if ok else bad))
        self.failures += not ok

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return self.failures == 0


def verify_outputs(folder: str | Path, *, params: str | Path | None = None) -> Verification:
    """Check a pack's folder against its ``manifest.json`` and a fresh rerun.

    Parameters
    ----------
    folder
        The pack's folder (holding ``manifest.json``).
    params
        The params file; by default the one the manifest names (its path is
        recorded relative to the pack's folder).

    Returns
    -------
    Verification
        File by file: params and inputs unchanged, published files unchanged,
        rerun outputs identical.

    Raises
    ------
    ParameterError
        No readable manifest, or the params file cannot be found (exit code 2).
    """
    from sendreport.params import read_params
    from sendreport.report.manifest import sha256_file
    from sendreport.report.run import run_report

    folder = Path(folder)
    manifest = _read_manifest(folder)
    recorded = manifest.get("params", {})
    params_path = Path(params) if params else folder / recorded.get("path", recorded.get("file"))
    if not params_path.is_file():
        raise ParameterError(
            f"{folder}: the params file it was run from is not at {params_path}; "
            "give it with --params"
        )
    result = Verification()
    result.check(
        f"params {params_path.name}",
        sha256_file(params_path) == recorded.get("sha256"),
        "unchanged",
        "changed since the run",
    )
    current = read_params(params_path).input_files()
    for label, entry in manifest.get("inputs", {}).items():
        path = current.get(label)
        result.check(
            f"input {label} ({entry.get('file')})",
            path is not None and path.is_file() and sha256_file(path) == entry.get("sha256"),
            "unchanged",
            "changed since the run" if path is not None and path.is_file() else "missing",
        )
    outputs = manifest.get("outputs", {})
    for name, digest in outputs.items():
        here = folder / name
        result.check(
            f"{name} in {folder.name}",
            here.is_file() and sha256_file(here) == digest,
            "as published",
            "changed since published" if here.is_file() else "missing",
        )
    with tempfile.TemporaryDirectory(prefix="sendreport-verify-") as tmp:
        try:
            rerun = run_report(params_path, output_dir=tmp, pdf="report.pdf" in outputs)
        except SendReportError as err:
            result.check("rerun", False, "", f"failed: {str(err).splitlines()[0]}")
            return result
        again = json.loads((rerun.output_folder / "manifest.json").read_text("utf-8"))
        for name, digest in outputs.items():
            result.check(
                f"{name} rerun",
                again["outputs"].get(name) == digest,
                "matches",
                "differs" if name in again["outputs"] else "not made by the rerun",
            )
        for name in sorted(set(again["outputs"]) - set(outputs)):
            result.check(f"{name} rerun", False, "", "made by the rerun but not recorded")
        annex, annex_again = manifest.get("confidential_annex"), again.get("confidential_annex")
        if annex or annex_again:
            result.check(
                "annex-confidential.pdf rerun",
                bool(annex and annex_again and annex["sha256"] == annex_again["sha256"]),
                "matches",
                "differs",
            )
    return result


def _read_manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"{path}: no manifest.json: not a sendreport output folder") from None
    except (OSError, ValueError) as err:
        raise ParameterError(f"{path}: cannot be read as a manifest ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("sendreport_manifest") != 1:
        raise ParameterError(f"{path}: not a sendreport manifest")
    return manifest


__all__ = ["Verification", "verify_outputs"]
