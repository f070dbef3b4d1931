"""The ``sendreport`` command line (SPEC section 2).

Exit codes: 0 success; 1 a notebook cell failed; 2 bad params or input data;
3 the privacy guard refused the outputs. Errors are printed as plain lines,
never as a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from sendreport.errors import ParameterError, SendReportError

DEMO_INPUTS = "demo-inputs"
"""The folder, under ``demo --output-dir``, of the demo's params, plan, notebook and data."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sendreport",
        description="Build SEND improvement plan stocktake packs from case-level data.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one params file and write its outputs")
    run.add_argument("params", type=Path, metavar="PARAMS.yaml")
    run.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")
    run.add_argument("--no-pdf", action="store_true", help="write HTML and data files only")

    batch = sub.add_parser("batch", help="run several params files")
    batch.add_argument("params", type=Path, nargs="+", metavar="PARAMS.yaml")
    batch.add_argument("--jobs", type=int, default=1, metavar="N")
    batch.add_argument("--split-by", choices=("la",),
                       help="each PARAMS.yaml is a template over a folder of SEN2 returns of "
                       "many authorities: one pack per authority, and split-summary.csv")
    batch.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")
    batch.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="send the runs to this dask.distributed scheduler, tls://HOST:PORT "
        "(needs the distributed extra)",
    )
    batch.add_argument("--tls-ca-file", type=Path, metavar="PEM",
                       help="the cluster's CA certificate (as for dask scheduler)")
    batch.add_argument("--tls-cert", type=Path, metavar="PEM",
                       help="this client's certificate, signed by that CA")
    batch.add_argument("--tls-key", type=Path, metavar="PEM",
                       help="its private key, unless --tls-cert holds it")
    batch.add_argument("--insecure", action="store_true",
                       help="accept a plain tcp:// scheduler (unauthenticated, unencrypted)")
    batch.add_argument("--timeout", type=float, metavar="SECONDS",
                       help="with --scheduler: the longest wait for the next run to end "
                       "(default 1800); the runs still out then fail")

    verify = sub.add_parser(
        "verify", help="rerun from manifest.json; say whether every hash matches"
    )
    verify.add_argument("output", type=Path, metavar="OUTPUT_DIR", help="a pack's folder")
    verify.add_argument(
        "--params",
        type=Path,
        metavar="PARAMS.yaml",
        help="the params file to rerun (default: the one the manifest records, if it lies "
        "inside the current folder's project)",
    )

    validate = sub.add_parser("validate", help="check params and data; run nothing")
    validate.add_argument("params", type=Path, metavar="PARAMS.yaml")

    demo = sub.add_parser(
        "demo",
        help="synthetic data + the demo params -> PDF, all written under --output-dir "
        f"(inputs in DIR/{DEMO_INPUTS})",
    )
    demo.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")

    synth = sub.add_parser("synth", help="write seeded synthetic input tables")
    synth.add_argument("--out", type=Path, required=True, metavar="DIR")
    synth.add_argument("--scale", choices=("la", "national"), default="la")
    synth.add_argument("--seed", type=int, default=2026, metavar="N")
    synth.add_argument(
        "--areas",
        type=int,
        metavar="N",
        help="write N synthetic areas, each with its own tables and params file",
    )
    synth.add_argument("--sen2", action="store_true",
                       help="also write the EHC records as SEN2 returns (sen2-<year>.xml)")

    compare = sub.add_parser(
        "compare", help="comparison edition across authorities from DfE's published figures"
    )
    compare.add_argument("params", type=Path, metavar="PARAMS.yaml")
    compare.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")
    compare.add_argument("--no-pdf", action="store_true", help="write HTML and data files only")

    new = sub.add_parser(
        "new", help="scaffold notebooks/NAME.ipynb and params/NAME.yaml, ready to run"
    )
    new.add_argument("name", metavar="NAME", help="lower-case letters, digits and hyphens")
    new.add_argument("--root", type=Path, default=Path(), metavar="DIR",
                     help="the project folder (default: the current folder)")
    return parser


def _run(args: argparse.Namespace) -> int:
    from sendreport.run.pipeline import run_report

    result = run_report(args.params, output_dir=args.output_dir, pdf=not args.no_pdf)
    print(f"Outputs written to {_show(result.output_folder)}")
    _say_under_query(result.output_folder / "data_quality.csv")
    _say_annex(result)
    if result.pdf is not None:
        print(_show(result.pdf))  # last: the file to open
    return 0


def _compare(args: argparse.Namespace) -> int:
    from sendreport.compare.publish import run_comparison

    folder = run_comparison(args.params, args.output_dir, pdf=not args.no_pdf)
    print(f"Outputs written to {_show(folder)}")
    if not args.no_pdf:
        print(_show(folder / "report.pdf"))  # last: the file to open
    return 0


def _say_annex(result) -> None:
    if result.annex_folder is not None:
        print(f"Confidential annex (never send it with the pack): {_show(result.annex_folder)}")


def _say_under_query(quality_csv: Path) -> None:
    """The run's summary of records under query, as ``data_quality.csv`` publishes them."""
    import pandas as pd

    from sendreport.metrics.queried import under_query_summary

    if quality_csv.exists():
        line = under_query_summary(pd.read_csv(quality_csv, dtype={"count": "Int64"}))
        if line:
            print(line)


def _batch(args: argparse.Namespace) -> int:
    from sendreport.run.batch import (
        DASK_TIMEOUT,
        INSECURE_WARNING,
        ClusterTLS,
        check_scheduler,
        run_batch,
        summary_table,
    )

    if args.jobs < 1:
        raise ParameterError("--jobs must be 1 or more")
    tls = None
    if args.tls_ca_file or args.tls_cert or args.tls_key:
        if not (args.tls_ca_file and args.tls_cert):
            raise ParameterError("--tls-ca-file and --tls-cert go together (with --tls-key "
                                 "unless the certificate file holds the key)")
        tls = ClusterTLS(args.tls_ca_file, args.tls_cert, args.tls_key)
    if not args.scheduler and (tls or args.insecure or args.timeout is not None):
        raise ParameterError("--tls-*, --insecure and --timeout go with --scheduler")
    if args.scheduler:
        check_scheduler(args.scheduler, tls=tls, insecure=args.insecure)
        if args.insecure:
            print(f"warning: --insecure: {INSECURE_WARNING}", file=sys.stderr)
        _quiet_dask()
    params_files = list(args.params)
    if args.split_by:
        from sendreport.run.split import split_by_la

        params_files = [p for template in args.params
                        for p in split_by_la(template, args.output_dir)]
    given = {Path(p).absolute(): p for p in params_files}
    results = []
    with _progress(len(params_files)) as bar:
        for result in run_batch(
            params_files,
            output_dir=args.output_dir,
            jobs=args.jobs,
            scheduler=args.scheduler,
            tls=tls,
            insecure=args.insecure,
            timeout=DASK_TIMEOUT if args.timeout is None else args.timeout,
        ):
            results.append(result)
            name = given.get(result.params, result.params)
            for line in result.warnings:
                bar.write(f"{name}: warning: {line}", file=sys.stderr)
            if result.exit_code == 0:
                bar.write(f"{name}: ok: {_show(result.output)}", file=sys.stdout)
            else:
                for line in result.message.splitlines() or [""]:
                    bar.write(f"{name}: {result.status}: {line}", file=sys.stderr)
            bar.update(1)
    order = {path: i for i, path in enumerate(given)}
    results.sort(key=lambda r: order.get(r.params, len(order)))
    print(summary_table(results, show=_show))
    if args.split_by:
        from sendreport.run.split import write_summary

        summary = write_summary(results, args.output_dir)
        print(f"Summary of every authority's pack: {_show(summary)}")
    failed = sum(r.exit_code != 0 for r in results)
    print(
        f"{len(results) - failed} of {len(results)} packs written"
        + (f", {failed} failed" if failed else "")
    )
    return max((r.exit_code for r in results), default=0)


def _quiet_dask() -> None:
    """Silence dask's client logs, tracebacks included: each area's line says what happened."""
    try:
        import distributed  # noqa: F401  (its import sets its loggers' levels; ours comes after)
    except ImportError:
        return  # run_batch says what to install
    logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)


def _progress(total: int):
    """A progress bar on the terminal (none when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="pack", file=sys.stderr, disable=None, leave=False)


def _verify(args: argparse.Namespace) -> int:
    from sendreport.run.verify import verify_outputs

    result = verify_outputs(args.output, params=args.params, say=print)
    width = max(len(name) for name, _ in result.lines)
    for name, verdict in result.lines:
        print(f"{name.ljust(width)}  {verdict}")
    if result.passed:
        print(f"verified: {_show(args.output)} is what its inputs give, hash for hash")
        return 0
    print(f"not verified: {result.failures} check(s) failed", file=sys.stderr)
    return 1


def _validate(args: argparse.Namespace) -> int:
    """Check the params file, then the plan, every table and the benchmarks, all in one go.

    Every table is summarised, failed or not, before the errors of every part
    are printed; exit 2 when any part failed.
    """
    from sendreport.csvsafe import free_text_problems
    from sendreport.errors import DataValidationError
    from sendreport.params import read_params, unused_mapping_lines
    from sendreport.plan import load_plan, plan_as_at
    from sendreport.validation import format_quality, load_data
    from sendreport.validation.narrative import narrative_problems
    from sendreport.validation.period import period_problems

    params = read_params(args.params)
    errors: list[SendReportError] = []
    shown = loaded = None
    try:
        shown = plan_as_at(load_plan(params.plan), params.period_end)
    except SendReportError as err:
        errors.append(err)
    try:
        loaded = load_data(params.data, **params.load_options())
    except DataValidationError as err:
        errors.append(err)
        partial = getattr(err, "loaded", None)
        if partial is not None and not partial.quality.empty:
            print(format_quality(partial))
    if params.benchmarks is not None:
        from sendreport.chs import read_chs

        try:
            read_chs(params.benchmarks)
        except SendReportError as err:
            errors.append(err)
    if errors:
        lines = [line for err in errors
                 for line in (getattr(err, "problems", None) or str(err).splitlines())]
        raise DataValidationError("\n".join(lines)) if len(errors) > 1 else errors[0]
    assert shown is not None and loaded is not None
    print(format_quality(loaded))
    if shown.later:
        entries = "entry" if len(shown.later) == 1 else "entries"
        print(f"{params.plan.name}: {len(shown.later)} plan {entries} dated after the period end "
              f"({params.period_end}), left out of the pack:")
        print("\n".join(f"  {line}" for line in shown.later))
    for line in narrative_problems(shown.plan):
        print(f"warning: {params.plan.name}: {line}")
    _say_coverage(params, loaded)
    _say_queries(params, loaded)
    for line in free_text_problems(loaded.tables):
        print(f"warning: {line}")
    for line in unused_mapping_lines(params):
        print(f"warning: {Path(args.params).name}: {line}")
    for line in period_problems(params.period_start, loaded.tables):
        print(f"warning: {Path(args.params).name}: {line}")
    from sendreport.validation.quality import mapping_misses

    misses = mapping_misses(loaded)
    if misses:
        print(f"{args.params}: params, plan and data can run, but are not fit to run until each "
              "values: key below matches what it was meant for (or is removed):")
        print("\n".join(f"  {line}" for line in misses))
        return 0
    print(f"{args.params}: params, plan and data are fit to run.")
    return 0


def _say_coverage(params, loaded) -> None:
    """Print each table's coverage, the ``data_from`` line, and the figures it leaves ``x``."""
    import pandas as pd

    from sendreport.metrics.compute import previous_start
    from sendreport.metrics.coverage import coverage_report
    from sendreport.validation.rules import Rule

    periods = {"period": (params.period_start, params.period_end)}
    if params.previous_period_end is not None:
        start = previous_start(pd.Timestamp(params.period_start), pd.Timestamp(params.period_end),
                               pd.Timestamp(params.previous_period_end))
        periods["previous"] = (start, params.previous_period_end)
    if params.baseline_period_start is not None and params.baseline_period_end is not None:
        periods["baseline"] = (params.baseline_period_start, params.baseline_period_end)
    quality = loaded.quality
    before = quality[quality["rule"] == Rule.QUERY_BEFORE_COVERAGE]
    queried = before.groupby("table")["count"].sum().to_dict()
    for line in coverage_report(loaded.tables, params.data_from, periods, queried=queried):
        print(line)


def _say_queries(params, loaded) -> None:
    """Print each table's records under query and what excluding them would change."""
    from sendreport.metrics.queried import describe_impact, queried_rows, query_impact

    queried = queried_rows(loaded.tables, params.data_from)
    if not queried:
        return
    impact = query_impact(loaded.tables, queried, period_start=params.period_start,
                          period_end=params.period_end, data_from=params.data_from)
    print("records under query (counted in every figure until you leave them out with "
          "exclude:), and the period's figures they move, with them -> without them:")
    for name, positions in queried.items():
        records = "record" if len(positions) == 1 else "records"
        mine = impact[impact["table"] == name]
        if mine.empty:
            print(f"  {name}: {len(positions):,} {records}; no figure of the period changes "
                  "without them")
            continue
        print(f"  {name}: {len(positions):,} {records}:")
        print("\n".join(f"    {line}" for line in describe_impact(mine).split("; ")))


def _demo(args: argparse.Namespace) -> int:
    """The bundled demo: its inputs, then its pack, all under --output-dir."""
    from sendreport.run.pipeline import run_report
    from sendreport.synth.demo import write_demo_inputs

    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise ParameterError(f"demo: --output-dir {args.output_dir} is a file, not a folder")
    params = write_demo_inputs(args.output_dir / DEMO_INPUTS)
    print(f"Demo params file, plan, notebook and data written to {_show(params.parent.parent)}")
    print("The same area from its SEN2 returns: sendreport run "
          f"{_show(params.parent / 'demo-sen2.yaml')}")
    result = run_report(params, output_dir=args.output_dir)
    print(f"Demo pack written to {_show(result.output_folder)}")
    _say_annex(result)
    print(_show(result.pdf))  # last: the file to open
    return 0


def _synth(args: argparse.Namespace) -> int:
    from sendreport.synth import write_synthetic

    if args.areas is not None:
        from sendreport.synth.areas import write_areas

        for path in write_areas(args.out, args.areas, seed=args.seed):
            print(_show(path))
        return 0
    paths = write_synthetic(args.out, scale=args.scale, seed=args.seed)
    for path in paths.values():
        print(_show(path))
    if args.sen2:
        from sendreport.sen2.write import write_returns
        from sendreport.synth import generate

        for path in write_returns(generate(scale=args.scale, seed=args.seed), args.out):
            print(_show(path))
    return 0


def _new(args: argparse.Namespace) -> int:
    from sendreport.pack.scaffold import new_analysis

    notebook, params = new_analysis(args.name, args.root)
    print(_show(notebook))
    print(_show(params))
    print(f"Run it with: sendreport run {_show(params)}")
    return 0


def _format_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings as one plain line, like the command's other messages."""
    return f"sendreport: warning: {message}\n"


def _show(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


COMMANDS = {
    "run": _run,
    "batch": _batch,
    "validate": _validate,
    "verify": _verify,
    "demo": _demo,
    "synth": _synth,
    "new": _new,
    "compare": _compare,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Returns
    -------
    int
        The exit code of SPEC section 2.
    """
    args = _parser().parse_args(argv)
    warnings.formatwarning = _format_warning
    try:
        return COMMANDS[args.command](args)
    except SendReportError as err:
        lines = getattr(err, "problems", None) or str(err).splitlines() or [repr(err)]
        for line in lines:
            print(f"sendreport: {err.label}: {line}", file=sys.stderr)
        return err.exit_code
    except OSError as err:  # disk full, read-only folder, permission: one line, exit 2
        where = f"{err.filename}: " if err.filename else ""
        print(f"sendreport: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sendreport: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("SENDREPORT_DEBUG"):
            raise
        print(
            f"sendreport: internal error: {err.__class__.__name__}: {err} "
            "(set SENDREPORT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
