"""``sendreport verify OUTPUT_DIR``: rerun a pack from its manifest and compare every hash.

A pack is verified when its params file and inputs still have the hashes the
manifest recorded, the files in the folder still have theirs, and a rerun
into a temporary folder gives every output again byte for byte.

The pack's folder is untrusted (SPEC 7): it may have come from anyone. Its
``manifest.json`` is read as data, never as instructions: it is checked
field by field before use (a malformed one is refused naming the field);
the params file rerun is the one the user names with ``--params``, or the
one at the manifest's recorded place only when that lies inside the project
(the folder ``verify`` runs from) and outside the pack's output folder; the
notebook is the one that params file names, and it must lie inside the
project too (or be one of the notebooks shipped with the package); and
every output name is a plain file name inside the pack's folder. Anything
else is refused with exit code 2 before anything runs or is read.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sendreport.bundled import NOTEBOOKS
from sendreport.errors import ParameterError, SendReportError

MANIFEST_MAX_BYTES = 1 << 20
"""A manifest is a few kilobytes; a larger file is refused unread."""

PACKAGE_NOTEBOOKS = NOTEBOOKS.resolve()
"""The notebooks shipped with the package (the stocktake pack and the worked analyses)."""

_HEX64 = re.compile(r"[0-9a-f]{64}")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
_MISSING = object()
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


def verify_outputs(
    folder: str | Path,
    *,
    params: str | Path | None = None,
    project: str | Path | None = None,
    say: Callable[[str], object] | None = None,
) -> Verification:
    """Check a pack's folder against its ``manifest.json`` and a fresh rerun.

    Parameters
    ----------
    folder
        The pack's folder (holding ``manifest.json``); nothing in it is trusted.
    params
        The params file to rerun, named by the user. By default the one at the
        place the manifest records (relative to the pack's folder), used only
        when it lies inside ``project`` and outside the pack's output folder.
    project
        The project folder: the manifest's params file and the notebook it
        names must lie inside it. Default: the current folder.
    say
        Told, before anything is rerun, which params file and notebook are used.

    Returns
    -------
    Verification
        File by file: params and inputs unchanged, published files unchanged,
        rerun outputs identical.

    Raises
    ------
    ParameterError
        The manifest is missing or malformed, it names an output outside the
        pack's folder, the params file cannot be found, or the params file or
        its notebook lies outside the project (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> pack = Path(tempfile.mkdtemp())
    >>> _ = (pack / "manifest.json").write_text(
    ...     '{"sendreport_manifest": 1, "params": [], "inputs": {}, "outputs": {}}')
    >>> verify_outputs(pack)
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: ...manifest.json: params: must be a JSON object, not a list
    """
    from sendreport.params import read_params
    from sendreport.run.manifest import sha256_file
    from sendreport.run.pipeline import run_report

    folder = Path(folder)
    manifest = read_manifest(folder)
    project = Path(project if project is not None else Path.cwd())
    if manifest.get("edition") == "compare":
        return _verify_comparison(folder, manifest, params, project, say)
    outputs = manifest["outputs"]
    published = {name: _published_file(folder, name) for name in outputs}
    recorded = manifest["params"]
    if params is not None:
        params_path, how = Path(params), "given with --params"
        if not params_path.is_file():
            raise ParameterError(f"--params: {params_path}: no such params file")
    else:
        params_path, how = _recorded_params(folder, recorded, project), "recorded in the manifest"
    settings = read_params(params_path)
    if params is None:
        _refuse_outside(
            folder, project, settings.notebook, what=f"{params_path}: notebook", notebook=True
        )
    if say is not None:
        say(f"params file ({how}): {params_path}")
        say(f"notebook (named by the params file): {settings.notebook}")
    result = Verification()
    result.check(
        f"params {params_path.name}",
        sha256_file(params_path) == recorded["sha256"],
        "unchanged",
        "changed since the run",
    )
    current = settings.input_files()
    for label, entry in manifest["inputs"].items():
        path = current.get(label)
        result.check(
            f"input {label} ({entry['file']})",
            path is not None and path.is_file() and sha256_file(path) == entry["sha256"],
            "unchanged",
            "changed since the run" if path is not None and path.is_file() else "missing",
        )
    for name, digest in outputs.items():
        here = published[name]
        result.check(
            f"{name} in {folder.name}",
            here is not None and sha256_file(here) == digest,
            "as published",
            "changed since published" if here is not None else "missing",
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
        annex, annex_again = manifest["confidential_annex"], again.get("confidential_annex")
        if annex or annex_again:
            result.check(
                "annex-confidential.pdf rerun",
                bool(annex and annex_again and annex["sha256"] == annex_again["sha256"]),
                "matches",
                "differs",
            )
    return result


def _verify_comparison(folder: Path, manifest: dict, params: str | Path | None, project: Path,
                       say: Callable[[str], object] | None) -> Verification:
    """Verify a comparison edition's folder (``"edition": "compare"``) by rerunning it."""
    from sendreport.compare.params import read_compare_params
    from sendreport.compare.publish import run_comparison
    from sendreport.run.manifest import sha256_file

    if params is not None:
        params_path, how = Path(params), "given with --params"
        if not params_path.is_file():
            raise ParameterError(f"--params: {params_path}: no such params file")
    else:
        params_path = _recorded_params(folder, manifest["params"], project)
        how = "recorded in the manifest"
    settings = read_compare_params(params_path)
    if say is not None:
        say(f"params file ({how}): {params_path}")
    result = Verification()
    result.check(f"params {params_path.name}",
                 sha256_file(params_path) == manifest["params"]["sha256"],
                 "unchanged", "changed since the run")
    current = settings.input_files()
    for label, entry in manifest["inputs"].items():
        path = current.get(label)
        ok = path is not None and path.is_file()
        result.check(f"input {label} ({entry['file']})",
                     ok and sha256_file(path) == entry["sha256"], "unchanged",
                     "changed since the run" if ok else "missing")
    outputs = manifest["outputs"]
    for name, digest in outputs.items():
        here = _published_file(folder, name)
        result.check(f"{name} in {folder.name}", here is not None and sha256_file(here) == digest,
                     "as published", "changed since published" if here is not None else "missing")
    with tempfile.TemporaryDirectory(prefix="sendreport-verify-") as tmp:
        try:
            again_folder = run_comparison(params_path, tmp, pdf="report.pdf" in outputs)
        except SendReportError as err:
            result.check("rerun", False, "", f"failed: {str(err).splitlines()[0]}")
            return result
        again = json.loads((again_folder / "manifest.json").read_text("utf-8"))["outputs"]
        for name, digest in outputs.items():
            result.check(f"{name} rerun", again.get(name) == digest, "matches",
                         "differs" if name in again else "not made by the rerun")
        for name in sorted(set(again) - set(outputs)):
            result.check(f"{name} rerun", False, "", "made by the rerun but not recorded")
    return result


def _recorded_params(folder: Path, recorded: dict, project: Path) -> Path:
    """The params file at the manifest's recorded place, if it lies inside the project."""
    where = recorded.get("path", recorded.get("file"))
    if where is None:
        raise ParameterError(
            f"{folder / 'manifest.json'}: params: records no path; give the params file with "
            "--params"
        )
    path = folder / where
    _refuse_outside(folder, project, path, what=f"{folder / 'manifest.json'}: params.path")
    if not path.is_file():
        raise ParameterError(
            f"{folder}: the params file it was run from is not at {path}; give it with --params"
        )
    return Path(os.path.realpath(path))  # the path checked, through no folder of the pack's


def _refuse_outside(
    folder: Path, project: Path, path: Path, *, what: str, notebook: bool = False
) -> None:
    """Refuse a file to be run that is not the project's own (exit code 2).

    The project's own: inside ``project`` once every symlink and ``..`` is
    resolved, and outside the pack's output folder (the pack's folder, or
    its ``outputs/`` when that lies inside the project), which may have come
    from anyone. A notebook shipped with the package is the project's own.

    Examples
    --------
    >>> _refuse_outside(Path("/p/outputs/a/2024-12-31"), Path("/p"), Path("/etc/x.yaml"),
    ...                 what="params.path")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: params.path: /etc/x.yaml is outside the project /p (the folder verify runs from); give the params file with --params
    >>> _refuse_outside(Path("/p/outputs/a/2024-12-31"), Path("/p"),
    ...                 Path("/p/outputs/a/2024-12-31/../x.yaml"), what="params.path")
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: params.path: /p/outputs/a/2024-12-31/../x.yaml is inside the output folder /p/outputs, which verify does not trust; give the params file with --params
    """  # noqa: E501
    resolved = Path(os.path.realpath(path))
    root = Path(os.path.realpath(project))
    if notebook and resolved.is_relative_to(PACKAGE_NOTEBOOKS):
        return
    if not resolved.is_relative_to(root):
        raise ParameterError(
            f"{what}: {path} is outside the project {project} (the folder verify runs from); "
            "give the params file with --params"
        )
    pack = Path(os.path.realpath(folder))
    untrusted = pack.parent.parent if pack.parent.parent.is_relative_to(root) and (
        pack.parent.parent != root
    ) else pack
    if resolved.is_relative_to(untrusted):
        raise ParameterError(
            f"{what}: {path} is inside the output folder {untrusted}, which verify does not "
            "trust; give the params file with --params"
        )


def _published_file(folder: Path, name: str) -> Path | None:
    """The published file ``name`` in the pack's folder, or ``None`` when it is not there.

    A name leading outside the folder through a symlink is refused (exit code 2):
    ``verify`` would otherwise tell anyone the hash of any file it can read.
    """
    path = folder / name
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(Path(os.path.realpath(folder))):
        raise ParameterError(
            f"{folder / 'manifest.json'}: outputs: {name!r} leads outside the pack's folder "
            "(a symlink); refused"
        )
    return path if real.is_file() else None


def read_manifest(folder: str | Path) -> dict:
    """Read and check a pack's ``manifest.json``, trusting nothing in it.

    Parameters
    ----------
    folder
        The pack's folder.

    Returns
    -------
    dict
        The manifest: ``params`` (with ``sha256`` and ``path`` or ``file``),
        ``inputs`` (label to ``file`` and ``sha256``), ``outputs`` (plain file
        name to sha256) and ``confidential_annex`` (``None`` or with ``sha256``).

    Raises
    ------
    ParameterError
        One line naming the file and what is wrong: missing, not a regular
        file, larger than ``MANIFEST_MAX_BYTES``, not JSON, a field missing or
        of the wrong type, an output name that is absolute, holds ``..`` or a
        folder, or is not printable (exit code 2).

    Examples
    --------
    >>> import tempfile
    >>> pack = Path(tempfile.mkdtemp())
    >>> _ = (pack / "manifest.json").write_text(
    ...     '{"sendreport_manifest": 1, "params": {"path": "p.yaml", "sha256": "' + "0" * 64
    ...     + '"}, "inputs": {}, "outputs": {"/etc/shadow": "' + "0" * 64 + '"}}')
    >>> read_manifest(pack)
    Traceback (most recent call last):
    ...
    sendreport.errors.ParameterError: ...manifest.json: outputs: '/etc/shadow' is not a plain file name in the pack's folder (absolute, .. or a folder); refused
    """  # noqa: E501
    path = Path(folder) / "manifest.json"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ParameterError(f"{path}: no manifest.json: not a sendreport output folder") from None
    except OSError as err:
        raise ParameterError(f"{path}: cannot be read as a manifest ({err.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ParameterError(f"{path}: not a regular file; refused")
        if info.st_size > MANIFEST_MAX_BYTES:
            raise ParameterError(
                f"{path}: {info.st_size} bytes, larger than any manifest "
                f"({MANIFEST_MAX_BYTES} at most); refused"
            )
        raw = fh.read(MANIFEST_MAX_BYTES + 1)
    if len(raw) > MANIFEST_MAX_BYTES:
        raise ParameterError(f"{path}: larger than any manifest ({MANIFEST_MAX_BYTES} bytes at "
                             "most); refused")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ParameterError(f"{path}: not UTF-8 text, so not a manifest") from None
    except ValueError as err:
        raise ParameterError(f"{path}: not JSON ({str(err).splitlines()[0]})") from None
    except RecursionError:
        raise ParameterError(f"{path}: nested too deeply to be a manifest") from None
    if not isinstance(manifest, dict) or manifest.get("sendreport_manifest") != 1:
        raise ParameterError(f"{path}: not a sendreport manifest (no \"sendreport_manifest\": 1)")
    _check_manifest(path, manifest)
    return manifest


def _check_manifest(path: Path, manifest: dict) -> None:
    """Refuse a manifest whose fields ``verify`` reads are missing or of the wrong type."""

    def wrong(field: str, rule: str) -> ParameterError:
        return ParameterError(f"{path}: {field}: {rule}")

    def kind(value) -> str:
        return {dict: "a JSON object", list: "a list", str: "a string", bool: "true/false",
                int: "a number", float: "a number", type(None): "null"}.get(type(value), "?")

    def mapping(value, field: str) -> dict:
        if not isinstance(value, dict):
            raise wrong(field, f"must be a JSON object, not {kind(value)}")
        return value

    def text(value, field: str, *, digest: bool = False) -> str:
        if value is _MISSING:
            raise wrong(field, "missing")
        if not isinstance(value, str):
            raise wrong(field, f"must be a string, not {kind(value)}")
        if digest and not _HEX64.fullmatch(value):
            raise wrong(field, "must be a sha256 (64 lower-case hex digits)")
        if _UNPRINTABLE.search(value):
            raise wrong(field, "holds control characters; refused")
        return value

    for key in ("params", "inputs", "outputs"):
        if key not in manifest:
            raise wrong(key, "missing")
    params = mapping(manifest["params"], "params")
    text(params.get("sha256", _MISSING), "params.sha256", digest=True)
    for key in ("path", "file"):
        if key in params:
            text(params[key], f"params.{key}")
    for label, entry in mapping(manifest["inputs"], "inputs").items():
        text(label, "inputs")
        entry = mapping(entry, f"inputs.{label}")
        text(entry.get("file", _MISSING), f"inputs.{label}.file")
        text(entry.get("sha256", _MISSING), f"inputs.{label}.sha256", digest=True)
    for name, digest in mapping(manifest["outputs"], "outputs").items():
        text(name, "outputs")
        text(digest, f"outputs.{name}", digest=True)
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise wrong(
                "outputs",
                f"{name!r} is not a plain file name in the pack's folder (absolute, .. or a "
                "folder); refused",
            )
    if manifest.get("edition", "pack") not in ("pack", "compare"):
        raise wrong("edition", "must be \"pack\" or \"compare\"")
    annex = manifest.setdefault("confidential_annex", None)
    if annex is not None:
        annex = mapping(annex, "confidential_annex")
        text(annex.get("sha256", _MISSING), "confidential_annex.sha256", digest=True)


__all__ = ["MANIFEST_MAX_BYTES", "Verification", "read_manifest", "verify_outputs"]
