"""``batch --scheduler``: what a dask cluster can do to the client, and TLS.

The cluster is real (``distributed.LocalCluster`` on 127.0.0.1 over TLS, with
certificates made here by ``openssl``, its workers in processes of their own); it
loads ``hostile_dask_worker.py`` into its workers, which then send what an attacker
on the cluster could. The client is the
``sendreport`` command, in a process of its own, so that "not unpickled in the
client" is a fact about that process (the file ``UNPICKLED`` would be created).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import small_areas

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402  (installed with distributed)

SENDREPORT = str(Path(sys.executable).parent / "sendreport")
HOSTILE = Path(__file__).with_name("hostile_dask_worker.py")
GIVE_UP = 2
"""``--timeout`` of the batch whose run never ends."""


def cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SENDREPORT, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )


def stub_params(folder: Path, *names: str) -> list[Path]:
    """Params files the hostile worker acts on by name (it never reads them)."""
    paths = []
    for name in names:
        path = folder / f"{name}.yaml"
        path.write_text("area_name: never read\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_params_dir(folder: Path) -> None:
    """What the ``params_dir`` fixture writes, for fixtures that outlive one test."""
    spec = importlib.util.spec_from_file_location(
        "shared_conftest", Path(__file__).parent.parent / "conftest.py"
    )
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    shared.params_dir.__wrapped__(folder)


# --- refused before any connection ------------------------------------------------------


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:8786", "127.0.0.1:8786"])
def test_a_plain_tcp_scheduler_is_refused_without_insecure(params_dir, address):
    result = cli("batch", "params.yaml", "--scheduler", address, cwd=params_dir, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"sendreport: error: --scheduler {address}: refused without --insecure"
    )
    assert "anyone who can reach its port can run code on the workers" in lines[0]
    assert "tls://" in lines[0]


def test_a_tls_scheduler_needs_the_certificates_and_they_must_exist(params_dir):
    bare = cli("batch", "params.yaml", "--scheduler", "tls://127.0.0.1:8786", cwd=params_dir)
    assert bare.returncode == 2
    assert "a tls:// scheduler needs --tls-ca-file and --tls-cert" in bare.stderr
    missing = cli(
        "batch",
        "params.yaml",
        "--scheduler",
        "tls://127.0.0.1:8786",
        "--tls-ca-file",
        "ca.pem",
        "--tls-cert",
        "plan.yaml",
        cwd=params_dir,
    )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == ["sendreport: error: --tls-ca-file ca.pem: no such file"]
    not_pem = cli(
        "batch",
        "params.yaml",
        "--scheduler",
        "tls://127.0.0.1:8786",
        "--tls-ca-file",
        "plan.yaml",
        "--tls-cert",
        "plan.yaml",
        cwd=params_dir,
    )
    assert not_pem.returncode == 2
    assert not_pem.stderr.splitlines() == [
        "sendreport: error: --tls-ca-file plan.yaml: holds no PEM certificate",
        "sendreport: error: --tls-cert plan.yaml: not a PEM certificate that loads with "
        "a key in the same file (unencrypted, and the certificate's own)",
    ]
    mixed = cli(
        "batch",
        "params.yaml",
        "--scheduler",
        "tcp://127.0.0.1:8786",
        "--insecure",
        "--tls-ca-file",
        "plan.yaml",
        "--tls-cert",
        "plan.yaml",
        cwd=params_dir,
    )
    assert mixed.returncode == 2
    assert "the --tls-* options need a tls:// address" in mixed.stderr


# --- a hostile cluster, over TLS ---------------------------------------------------------


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certificates(folder: Path, name: str = "node") -> dict[str, Path]:
    """A CA of the cluster's own and one certificate it signed, for 127.0.0.1 (EC keys: fast)."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        f"{name}-ca.key",
        "-out",
        f"{name}-ca.pem",
        "-days",
        "2",
        "-subj",
        f"/CN={name} test CA",
        cwd=folder,
    )
    openssl(
        "req",
        *ec,
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=folder,
    )
    (folder / f"{name}.ext").write_text(
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n", encoding="utf-8"
    )
    openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        f"{name}-ca.pem",
        "-CAkey",
        f"{name}-ca.key",
        "-CAcreateserial",
        "-out",
        f"{name}.pem",
        "-days",
        "2",
        "-extfile",
        f"{name}.ext",
        cwd=folder,
    )
    return {
        "ca": folder / f"{name}-ca.pem",
        "cert": folder / f"{name}.pem",
        "key": folder / f"{name}.key",
    }


@pytest.fixture(scope="module")
def hostile_batches(tmp_path_factory):
    """Two batches on a TLS cluster whose workers are hostile.

    The first: one honest area, then three attacks (``die`` kills its worker once
    no other area's task or result is on it, so that dask blames no other area for
    the death). The second:
    a run that never ends, given up after ``--timeout``. Then a client whose
    certificate another CA signed.

    ``allowed-failures`` is 0 so that dask gives up on the killed worker's task at
    the first death (its default, 3, only repeats the same death three times more).
    """
    folder = tmp_path_factory.mktemp("hostile")
    write_params_dir(folder)
    (honest,) = small_areas(folder, ["Ashire"])
    attacks = stub_params(folder, "gift", "raise", "die")
    (hang,) = stub_params(folder, "hang")
    certs = make_certificates(folder)
    stranger = make_certificates(folder, "stranger")
    tls = dict(tls_ca_file=str(certs["ca"]), require_encryption=True)
    for role in ("scheduler", "worker", "client"):
        tls[f"tls_{role}_cert"], tls[f"tls_{role}_key"] = str(certs["cert"]), str(certs["key"])
    out = folder / "out"
    options = [
        "--tls-ca-file",
        str(certs["ca"]),
        "--tls-cert",
        str(certs["cert"]),
        "--tls-key",
        str(certs["key"]),
        "--output-dir",
        str(out),
    ]
    runs = {}
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            protocol="tls://",
            host="127.0.0.1",
            security=distributed.Security(**tls),
            dashboard_address=None,
            preload=[str(HOSTILE)],
        ) as cluster,
    ):
        assert cluster.scheduler_address.startswith("tls://127.0.0.1:")
        for name, paths, more in (
            ("attacks", [honest, *attacks], []),
            ("hang", [hang], ["--timeout", str(GIVE_UP)]),
        ):
            started = time.monotonic()
            try:
                result = cli(
                    "batch",
                    *map(str, paths),
                    "--scheduler",
                    cluster.scheduler_address,
                    *options,
                    *more,
                    cwd=folder,
                    timeout=120,
                )
            except subprocess.TimeoutExpired:
                result = None
            runs[name] = (result, time.monotonic() - started)
        runs["stranger"] = (
            cli(
                "batch",
                str(honest),
                "--scheduler",
                cluster.scheduler_address,
                "--tls-ca-file",
                str(stranger["ca"]),
                "--tls-cert",
                str(stranger["cert"]),
                "--tls-key",
                str(stranger["key"]),
                cwd=folder,
                timeout=120,
            ),
            0.0,
        )
    return folder, runs


def failure_line(result: subprocess.CompletedProcess, folder: Path, name: str) -> str:
    lines = [
        line for line in result.stderr.splitlines() if line.startswith(f"{folder / name}.yaml:")
    ]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.slow
def test_over_tls_the_hostile_batch_ends_with_the_honest_area_built(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["attacks"]
    assert result is not None, "the batch hung"
    assert result.returncode == 1, result.stderr
    assert f"{folder / 'ashire.yaml'}: ok" in result.stdout
    assert (folder / "out" / "ashire" / "2024-06-30" / "report.pdf").exists()
    assert "1 of 4 packs written, 3 failed" in result.stdout
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert "--insecure" not in result.stderr


@pytest.mark.slow
def test_a_result_that_needs_unpickling_is_refused_unread(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["attacks"]
    assert not (folder / "UNPICKLED").exists(), "the client unpickled what a worker sent"
    assert result is not None
    assert failure_line(result, folder, "gift").endswith(
        "failed (exit 1): on the cluster: its worker sent back something other than plain data, "
        "refused unread (a worker without this version of sendreport, or a hostile one?)"
    )


@pytest.mark.slow
def test_an_error_the_client_cannot_unpickle_fails_its_area_only(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["attacks"]
    assert not (folder / "UNPICKLED").exists(), "the client unpickled what a worker sent"
    assert result is not None, "the batch hung"
    assert failure_line(result, folder, "raise").endswith(
        "failed (exit 1): on the cluster: the run raised an error on its worker, "
        "not read here (see the worker's log)"
    )


@pytest.mark.slow
def test_a_worker_killed_mid_run_fails_its_area_only(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["attacks"]
    assert result is not None, "the batch hung"
    assert failure_line(result, folder, "die").endswith(
        "failed (exit 1): on the cluster: the worker running it was lost "
        "(died or was killed) on each of dask's tries"
    )


@pytest.mark.slow
def test_a_run_that_never_ends_is_given_up_after_the_timeout(hostile_batches):
    folder, runs = hostile_batches
    result, seconds = runs["hang"]
    assert result is not None, "the batch hung"
    assert seconds < GIVE_UP + 30
    assert result.returncode == 1
    assert failure_line(result, folder, "hang").endswith(
        f"failed (exit 1): on the cluster: no run ended within {GIVE_UP} s "
        "(a worker lost, stuck or too slow?); this run was given up"
    )


@pytest.mark.slow
def test_a_client_with_another_cas_certificate_is_refused(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["stranger"]
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("sendreport: error: --scheduler tls://127.0.0.1:")
    assert ": cannot reach it (TLS certificate does not match." in line
    assert not (folder / "outputs").exists(), "nothing ran"


@pytest.mark.slow
def test_a_finished_area_is_not_run_again_when_its_worker_dies_later(hostile_batches):
    folder, runs = hostile_batches
    result, _ = runs["attacks"]
    assert result is not None, "the batch hung"
    # the client releases each result once read: none is left on a worker to be rerun
    ran = (folder / "runs.log").read_text(encoding="utf-8").splitlines()
    assert sorted(ran) == ["ashire", "die", "gift", "hang", "raise"]
