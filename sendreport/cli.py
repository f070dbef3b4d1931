"""The ``sendreport`` command line (SPEC section 2).

Exit codes: 0 success; 1 a notebook cell failed; 2 bad params or input data;
3 the privacy guard refused the outputs. Errors are printed as plain lines,
never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from sendreport.errors import ParameterError, SendReportError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO_PARAMS = PROJECT_ROOT / "params" / "demo.yaml"
DEMO_DATA = PROJECT_ROOT / "data" / "demo"


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
    batch.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")

    validate = sub.add_parser("validate", help="check params and data; run nothing")
    validate.add_argument("params", type=Path, metavar="PARAMS.yaml")

    demo = sub.add_parser("demo", help="synthetic data + params/demo.yaml -> PDF")
    demo.add_argument("--output-dir", type=Path, default=Path("outputs"), metavar="DIR")

    synth = sub.add_parser("synth", help="write seeded synthetic input tables")
    synth.add_argument("--out", type=Path, required=True, metavar="DIR")
    synth.add_argument("--scale", choices=("la", "national"), default="la")
    synth.add_argument("--seed", type=int, default=2026, metavar="N")
    synth.add_argument("--sen2", action="store_true",
                       help="also write the EHC records as SEN2 returns (sen2-<year>.xml)")
    return parser


def _run(args: argparse.Namespace) -> int:
    from sendreport.report.run import run_report

    result = run_report(args.params, output_dir=args.output_dir, pdf=not args.no_pdf)
    print(f"Outputs written to {_show(result.output_folder)}")
    if result.pdf is not None:
        print(_show(result.pdf))
    return 0


def _batch(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from sendreport.report.run import run_report

    if args.jobs < 1:
        raise ParameterError("--jobs must be 1 or more")

    def one(path: Path) -> tuple[Path, int, str]:
        try:
            result = run_report(path, output_dir=args.output_dir)
        except SendReportError as err:
            return path, err.exit_code, str(err)
        return path, 0, _show(result.pdf)

    worst = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for path, code, text in pool.map(one, args.params):
            status = "ok" if code == 0 else f"failed (exit {code})"
            print(f"{path}: {status}: {text}", file=sys.stdout if code == 0 else sys.stderr)
            worst = max(worst, code)
    return worst


def _validate(args: argparse.Namespace) -> int:
    from sendreport.csvsafe import free_text_problems
    from sendreport.params import read_params
    from sendreport.plan import load_plan, plan_as_at
    from sendreport.validation import format_quality, load_data

    params = read_params(args.params)
    shown = plan_as_at(load_plan(params.plan), params.period_end)
    loaded = load_data(
        params.data,
        **params.load_options(),
    )
    print(format_quality(loaded))
    if shown.later:
        entries = "entry" if len(shown.later) == 1 else "entries"
        print(f"{params.plan.name}: {len(shown.later)} plan {entries} dated after the period end "
              f"({params.period_end}), left out of the pack:")
        print("\n".join(f"  {line}" for line in shown.later))
    for line in free_text_problems(loaded.tables):
        print(f"warning: {line}")
    print(f"{args.params}: params, plan and data are fit to run.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from sendreport.report.run import run_report
    from sendreport.synth import write_synthetic

    if not DEMO_PARAMS.exists():
        raise SendReportError(f"the demo params file is missing: {DEMO_PARAMS}")
    write_synthetic(DEMO_DATA)
    result = run_report(DEMO_PARAMS, output_dir=args.output_dir)
    print(f"Demo pack written to {_show(result.output_folder)}")
    print(_show(result.pdf))
    return 0


def _synth(args: argparse.Namespace) -> int:
    from sendreport.synth import write_synthetic

    paths = write_synthetic(args.out, scale=args.scale, seed=args.seed)
    for path in paths.values():
        print(_show(path))
    if args.sen2:
        from sendreport.sen2.write import write_returns
        from sendreport.synth import generate

        for path in write_returns(generate(scale=args.scale, seed=args.seed), args.out):
            print(_show(path))
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


COMMANDS = {"run": _run, "batch": _batch, "validate": _validate, "demo": _demo, "synth": _synth}


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
        kind = {2: "error", 3: "refused"}.get(err.exit_code, "failed")
        for line in lines:
            print(f"sendreport: {kind}: {line}", file=sys.stderr)
        return err.exit_code
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
