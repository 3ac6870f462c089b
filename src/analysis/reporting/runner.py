"""Execute the month's notebooks with papermill and publish their HTML atomically.

Only this module and :mod:`analysis.reporting.html` know about papermill and
nbconvert. A run builds everything in a hidden folder beside the target and moves
it into ``<out>/<period>/`` only when every notebook succeeded.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

import nbformat

from analysis.cleaning.ingest import build_warehouse
from analysis.exceptions import AnalysisError, ReportError
from analysis.io.mapping import load_mapping
from analysis.io.sources import display_source, redact_source
from analysis.period import Period
from analysis.reporting.customers import assemble_customer_export

# Report notebooks run in this order; any other notebook follows alphabetically. The
# summary runs last (it reads what the others computed) and is listed first.
NOTEBOOK_ORDER = (
    "data_quality",
    "segmentation",
    "churn_survival",
    "survey_text",
    "followup",
    "summary",
)
PAGE_ORDER = (
    "summary",
    "segmentation",
    "churn_survival",
    "survey_text",
    "followup",
    "data_quality",
)
# Parameters the runner itself sets; a notebook declares the ones it uses.
RUNNER_PARAMETERS = (
    "period",
    "data_path",
    "mapping_path",
    "lang",
    "warehouse",
    "report_dir",
    "seed",
)
PACKAGES = (
    "analysis",
    "pandas",
    "numpy",
    "ibis-framework",
    "duckdb",
    "sqlglot",
    "scikit-learn",
    "lifelines",
    "matplotlib",
    "papermill",
    "nbconvert",
)
PROJECT_ROOT = Path(__file__).resolve().parents[3]


def discover_notebooks(folder: str | Path) -> list[Path]:
    """Report notebooks in ``folder`` in run order (``exploratory/`` is not searched)."""
    folder = Path(folder)
    found = [p for p in folder.glob("*.ipynb") if not p.name.startswith(".")]
    rank = {name: i for i, name in enumerate(NOTEBOOK_ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def read_parameters(path: str | Path) -> dict[str, dict]:
    """The parameters a notebook declares in its ``parameters``-tagged cell.

    Returns
    -------
    dict
        name -> papermill's description (``inferred_type_name``, ``default``, ``help``).

    Raises
    ------
    ReportError
        When the notebook has no cell tagged ``parameters``.
    """
    nb = nbformat.read(str(path), as_version=4)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ReportError(
            f"notebook {path} has no cell tagged 'parameters'; add one (View > Cell "
            "Toolbar > Tags in Jupyter) so the runner can pass the period and data"
        )
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(path))  # adds the metadata papermill expects
    # inspect_notebook() insists on kernelspec metadata; the report kernel is python3.
    params = _infer_parameters(nb, name="python3", language="python")
    return {p.name: p._asdict() for p in params}


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def generated_at() -> str:
    """Generation time; ``SOURCE_DATE_EPOCH`` pins it (reproducible-build convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(tz=dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M UTC")


@contextmanager
def _period_lock(out: Path, period: str):
    locks = out / ".locks"
    locks.mkdir(parents=True, exist_ok=True)
    path = locks / f"{period}.lock"
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise ReportError(
            f"a report for {period} is already running ({holder}); wait for it to finish"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}")
    fh.flush()
    try:
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _parse_extra(params: dict | None, declared: dict[str, dict[str, dict]]) -> dict:
    params = dict(params or {})
    known = set().union(*(set(d) for d in declared.values())) if declared else set()
    for name in params:
        if name in RUNNER_PARAMETERS:
            raise ReportError(f"parameter '{name}' is set by the runner; use its own option")
        if name not in known:
            raise ReportError(
                f"unknown parameter '{name}': no notebook declares it (declared: "
                f"{', '.join(sorted(known - set(RUNNER_PARAMETERS))) or 'none'})"
            )
    return params


def run_report(
    *,
    period: str,
    data: str | Path,
    mapping: str | Path | None = None,
    lang: str = "zh",
    out: str | Path = "reports",
    notebooks: str | Path | None = None,
    params: dict | None = None,
    max_quarantine_share: float | None = None,
    seed: int = 0,
    log: Callable[[str], None] = print,
) -> Path:
    """Run the monthly report for one period.

    Parameters
    ----------
    period : str
        ``YYYY-MM`` or ``last``.
    data : str or Path
        A folder of CSV/Excel/Parquet files or a database URL.
    mapping : path or name, optional
        Header mapping (see :mod:`analysis.io.mapping`).
    lang : {"zh", "en"}
        Language of the reports.
    out : path
        Reports folder; the result goes to ``<out>/<period>/``.
    notebooks : path, optional
        Folder of report notebooks; default the project's ``notebooks/``.
    params : dict, optional
        Extra notebook parameters; every name must be declared by some notebook.
    seed : int
        Passed to notebooks that declare ``seed``.

    Returns
    -------
    Path
        ``<out>/<period>/index.html``.
    """
    from analysis.reporting.html import (
        render_notebook_html,
        render_period_index,
        render_reports_index,
    )

    if lang not in ("zh", "en"):
        raise ReportError(f"lang must be 'zh' or 'en', not '{lang}'")
    per = Period.parse(period)
    out = Path(out).resolve()
    nb_dir = Path(notebooks) if notebooks else PROJECT_ROOT / "notebooks"
    nbs = discover_notebooks(nb_dir)
    if not nbs:
        raise ReportError(f"no notebooks found in {nb_dir}")
    declared = {nb.stem: read_parameters(nb) for nb in nbs}
    extra = _parse_extra(params, declared)
    load_mapping(mapping)  # fail on a bad mapping before anything runs
    logged_source = redact_source(data)  # the operator's log may name the folder
    shown_source = display_source(data)  # pages never show the analyst's paths
    data_arg = str(Path(data).resolve()) if "://" not in str(data) else str(data)

    from analysis.privacy import key_location, pseudonym_key

    pseudonym_key(log=log)  # created once on a new machine, outside the reports
    log(f"[privacy] customer ids on pages are pseudonymised with the key from {key_location()}")
    out.mkdir(parents=True, exist_ok=True)
    with _period_lock(out, str(per)):
        build = out / f".build-{per}-{os.getpid()}"
        shutil.rmtree(build, ignore_errors=True)
        (build / "exports").mkdir(parents=True)
        work = build / "_work"
        timings: dict[str, float] = {}
        t_start = time.perf_counter()
        try:
            log(f"[ingest] {logged_source} -> period {per} (to {per.end})")
            t0 = time.perf_counter()
            quality = build_warehouse(
                data_arg,
                period=per,
                mapping=mapping,
                warehouse=work / "warehouse.duckdb",
                quarantine_dir=build / "quarantine",
                max_quarantine_share=max_quarantine_share,
            )
            quality.write_json(build / "quality.json")
            timings["ingest"] = round(time.perf_counter() - t0, 2)
            log(f"[ingest] done in {timings['ingest']:.1f} s")
            t0 = time.perf_counter()
            classes = _build_classes(work / "warehouse.duckdb", lang, {"seed": seed, **extra})
            timings["classes"] = round(time.perf_counter() - t0, 2)
            log(f"[classes] {len(classes):,} customers classified once: {timings['classes']:.1f} s")
            t0 = time.perf_counter()
            previous = _previous_period(
                data_arg, per, out=out, work=work, mapping=mapping, lang=lang,
                params={"seed": seed, **extra},
            )  # fmt: skip
            if previous:
                timings["previous"] = round(time.perf_counter() - t0, 2)
                log(f"[previous] {previous}: {timings['previous']:.1f} s")
            common = {
                "period": str(per),
                "data_path": shown_source,
                "mapping_path": str(mapping or ""),
                "lang": lang,
                "warehouse": str(work / "warehouse.duckdb"),
                "report_dir": str(build),
                "seed": seed,
                **extra,
            }
            executed = []
            for i, nb in enumerate(nbs, 1):
                t0 = time.perf_counter()
                target = work / f"{nb.stem}.ipynb"
                wanted = {k: v for k, v in common.items() if k in declared[nb.stem]}
                _execute(nb, target, wanted, cwd=nb_dir, out=out, period=str(per), build=build)
                timings[nb.stem] = round(time.perf_counter() - t0, 2)
                log(f"[{i}/{len(nbs)}] {nb.stem}: {timings[nb.stem]:.1f} s")
                executed.append(target)

            t0 = time.perf_counter()
            base = _customer_base(work / "warehouse.duckdb")
            if assemble_customer_export(build, base=base, classes=classes):
                timings["customers_export"] = round(time.perf_counter() - t0, 2)
                log(f"[exports] customers.csv/.xlsx: {timings['customers_export']:.1f} s")
            t0 = time.perf_counter()
            stamp = generated_at()
            window = _data_window(quality.to_dict())
            pages = []
            rank = {stem: i for i, stem in enumerate(PAGE_ORDER)}
            executed.sort(key=lambda p: (rank.get(p.stem, len(rank)), p.stem))
            for target in executed:
                nb = nbformat.read(str(target), as_version=4)
                title = _page_title(target.stem, lang) or _title(nb) or target.stem
                render_notebook_html(
                    target,
                    build / f"{target.stem}.html",
                    title=title,
                    period=str(per),
                    data_window=window,
                    lang=lang,
                    generated_at=stamp,
                )
                shutil.copy2(target, build / target.name)
                # Timings live in manifest.json so that reruns give identical pages.
                pages.append({"file": f"{target.stem}.html", "title": title})
            timings["render"] = round(time.perf_counter() - t0, 2)
            log(f"[render] {len(pages)} pages: {timings['render']:.1f} s")
            timings["total"] = round(time.perf_counter() - t_start, 2)
            manifest = {
                "period": str(per),
                "period_start": per.start.isoformat(),
                "period_end": per.end.isoformat(),
                "generated_at": stamp,
                "parameters": {
                    **{k: v for k, v in common.items() if k not in ("warehouse", "report_dir")},
                    "max_quarantine_share": quality.max_quarantine_share,
                },
                "notebooks": [nb.name for nb in nbs],
                "inputs": {
                    name: {"files": tq.files, "rows_in": tq.rows_in, "kept": tq.kept}
                    for name, tq in quality.tables.items()
                },
                "versions": _versions(),
                "git_commit": _git_commit(),
                "seconds": timings,
            }
            (build / "manifest.json").write_text(
                json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8"
            )
            render_period_index(
                build,
                period=str(per),
                pages=pages,
                quality=quality.to_dict(),
                lang=lang,
                generated_at=stamp,
                source=shown_source,
            )
            shutil.rmtree(work)
            final = _publish(build, out / str(per))
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    render_reports_index(out, lang=lang, generated_at=generated_at())
    log(f"[done] {final / 'index.html'} in {timings['total']:.1f} s")
    return final / "index.html"


def _execute(nb: Path, target: Path, parameters: dict, *, cwd, out, period, build) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(
            str(nb),
            str(target),
            parameters=parameters,
            kernel_name="python3",
            language="python",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            # ipykernel warns on every start that local TCP is unencrypted; the kernel
            # only listens on 127.0.0.1, so keep the run's output to its progress lines.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as exc:
        failed = out / "_failed" / f"{period}-{dt.datetime.now():%Y%m%dT%H%M%S}"
        failed.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, failed / nb.name)
        for name in ("quality.json",):
            if (build / name).exists():
                shutil.copy2(build / name, failed / name)
        raise ReportError(
            f"notebook {nb.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}. "
            f"The executed notebook with the error is {failed / nb.name}; "
            "the published report was not changed"
        ) from None
    except AnalysisError:
        raise
    except Exception as exc:  # kernel died, nbclient timeout, ...
        raise ReportError(f"notebook {nb.name} could not run: {exc}") from None


def _build_classes(warehouse: Path, lang: str, params: dict):
    """Classify every customer once for the run and save the context for the notebooks.

    Returns the classes as exported (codes, then zh and en labels), indexed by
    ``customer_id``; the same table is written into the warehouse as ``customer_classes``.
    """
    import dataclasses

    from analysis.pages.context import RunSettings, build_context, save_context
    from analysis.warehouse import open_warehouse

    names = {f.name for f in dataclasses.fields(RunSettings)}
    settings = RunSettings.from_params({k: v for k, v in params.items() if k in names})
    ctx = build_context(open_warehouse(warehouse), lang=lang, settings=settings)
    save_context(ctx)
    return ctx.class_export()


def refresh_period_index(period_dir: str | Path) -> Path:
    """Render a published period's ``index.html`` again from its own files.

    For files added after the run (``report --pdf`` writes ``pdf/``): the pages, the
    language, the source and the ledger are read from ``manifest.json`` and
    ``quality.json``, so the index lists what the folder holds now.
    """
    from analysis.reporting.html import render_period_index

    period_dir = Path(period_dir)
    manifest = json.loads((period_dir / "manifest.json").read_text("utf-8"))
    quality_path = period_dir / "quality.json"
    quality = json.loads(quality_path.read_text("utf-8")) if quality_path.is_file() else None
    params = manifest.get("parameters", {})
    lang = params.get("lang", "zh")
    stems = [Path(n).stem for n in manifest.get("notebooks", [])]
    rank = {stem: i for i, stem in enumerate(PAGE_ORDER)}
    stems.sort(key=lambda s: (rank.get(s, len(rank)), s))
    pages = [{"file": f"{s}.html", "title": _page_title(s, lang) or s} for s in stems]
    return render_period_index(period_dir, period=manifest["period"], pages=pages,
                               quality=quality, lang=lang, generated_at=manifest["generated_at"],
                               source=params.get("data_path", ""))  # fmt: skip


def _previous_period(
    data, per: Period, *, out: Path, work: Path, mapping, lang: str, params: dict
) -> str | None:
    """Ingest and classify the previous period when no report of it was published.

    The summary compares with last month's own figures (value at risk, the at-risk list
    it would have made). When ``<out>/<previous>/summary.json`` exists they are read from
    there; otherwise the previous period is built here, as of its end, from the same
    source, into ``_work/previous/`` (removed with the build). Returns a line for the
    log, or None when nothing was built (published, or no data that early).
    """
    from analysis.summary import PREVIOUS_DIR, read_summary

    prev = per.previous()
    if read_summary(out / str(prev)) is not None:
        return None
    folder = work / PREVIOUS_DIR
    try:
        build_warehouse(data, period=prev, mapping=mapping,
                        warehouse=folder / "warehouse.duckdb",
                        quarantine_dir=folder / "quarantine")  # fmt: skip
    except AnalysisError as exc:  # no transactions on or before the previous end
        shutil.rmtree(folder, ignore_errors=True)
        return f"{prev} not recomputed: {str(exc).splitlines()[0]}"
    _build_classes(folder / "warehouse.duckdb", lang, params)
    return f"{prev} recomputed as of its end (no published report to compare with)"


def _page_title(stem: str, lang: str) -> str | None:
    from analysis.i18n import has, t

    key = f"page.title.{stem}"
    return t(key, lang) if has(key) else None


def _customer_base(warehouse: Path):
    """Customer attributes for the customers export (None without a customers table)."""
    from analysis.reporting.customers import BASE_COLUMNS
    from analysis.warehouse import open_warehouse

    wh = open_warehouse(warehouse)
    try:
        if not wh.has("customers"):
            return None
        t = wh["customers"]
        cols = [c for c in BASE_COLUMNS if c in t.columns]
        return t.select("customer_id", *cols).execute().set_index("customer_id")
    finally:
        wh.con.disconnect()


def _publish(build: Path, final: Path) -> Path:
    """Replace ``final`` by ``build`` with two renames; an old report is restored on error."""
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        final.rename(old)
    try:
        build.rename(final)
    except OSError:
        if old.exists():
            old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return final


def _title(nb) -> str | None:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return None


def _data_window(quality: dict) -> str:
    t = quality.get("tables", {}).get("transactions", {})
    lo, hi = t.get("date_min"), t.get("date_max")
    return f"{lo} – {hi}" if lo and hi else "–"
