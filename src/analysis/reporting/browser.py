"""Headless Chromium over the DevTools protocol: PDFs, screenshots and page checks.

A minimal Chrome DevTools Protocol (CDP) client over ``websocket-client``: it launches the
browser already on the machine (no driver, no browser download, unlike selenium or
playwright), opens local report pages, collects console errors and network requests,
evaluates JavaScript, takes full-page screenshots and prints A4 PDFs.

The browser is ``$CHROMIUM`` when set, else the first of ``chromium``, ``chromium-browser``
and ``google-chrome`` on ``PATH``. On Debian: ``apt-get install chromium fonts-noto-cjk``
(the fonts draw the Chinese pages).

Command line (pictures for the docs)::

    python -m analysis.reporting.browser screenshot reports/2026-10/summary.html out.png
    python -m analysis.reporting.browser screenshot PAGE out.png --width 703 --print
    python -m analysis.reporting.browser pdf reports/2026-10/summary.html out.pdf
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from analysis.exceptions import ReportError

__all__ = ["Browser", "BrowserError", "BrowserNotFound", "find_browser", "write_pdfs"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = (
    "install Chromium and a Chinese font (Debian/Ubuntu: "
    "`sudo apt-get install chromium fonts-noto-cjk`), or set CHROMIUM to a Chrome or "
    "Chromium executable"
)
# Seen to work headless on Debian's chromium (FACTS.md); the rest keeps a report check from
# touching the network or the user's profile. --no-sandbox: CI runs as root, where the
# sandbox refuses to start. --disable-dev-shm-usage: containers have a 64 MB /dev/shm.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)
_LOCAL_SCHEMES = ("file:", "data:", "about:")
# "<port>\n/devtools/browser/<uuid>", written by the browser once it listens
_DEVTOOLS_PORT = re.compile(r"^(\d+)\s*\n(/devtools/browser/[0-9a-f-]{36})\b")
_A4_INCHES = (8.27, 11.69)  # paper when a page has no @page size


class BrowserNotFound(ReportError):
    """No Chrome or Chromium executable was found; the message says how to get one."""


class BrowserError(ReportError):
    """The browser failed to start, crashed, timed out or reported a protocol error."""


def find_browser() -> str:
    """Path of the Chrome/Chromium executable to use.

    ``$CHROMIUM`` (a path or a command name) wins; else the first of `CANDIDATES` found
    on ``PATH``.

    Raises
    ------
    BrowserNotFound
        If ``$CHROMIUM`` names nothing executable, or no candidate is on ``PATH``.

    Examples
    --------
    >>> find_browser()  # doctest: +SKIP
    '/usr/bin/chromium'
    """
    wanted = os.environ.get("CHROMIUM", "").strip()
    if wanted:
        found = shutil.which(wanted)
        if not found:
            raise BrowserNotFound(f"CHROMIUM={wanted} is not an executable; {INSTALL_HINT}")
        return found
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    looked = ", ".join(CANDIDATES)
    raise BrowserNotFound(f"no Chromium or Chrome found (looked for {looked}); {INSTALL_HINT}")


def _as_url(page: str | Path) -> str:
    text = str(page)
    if "://" in text or text.startswith(("about:", "data:")):
        return text
    return Path(text).resolve().as_uri()


def _console_text(args: list[dict]) -> str:
    parts = []
    for arg in args:
        if "value" in arg:
            parts.append(str(arg["value"]))
        else:
            parts.append(str(arg.get("description", arg.get("type", ""))))
    return " ".join(parts)


class Browser:
    """One headless Chromium with one tab, driven over the DevTools protocol.

    Use as a context manager; the browser process group and its temporary profile are
    removed on exit, also after an error.

    Parameters
    ----------
    executable : str, optional
        Browser to run; default `find_browser`.
    timeout : float, default 30
        Seconds allowed for the start, for each page load and for each command.
    env : dict, optional
        Extra environment variables for the browser (e.g. ``FONTCONFIG_FILE``).

    Attributes
    ----------
    console_errors : list of str
        Since the last `open`: ``console.error`` calls, uncaught exceptions and
        browser log entries of level error (refused scripts, failed loads).
    requests : list of str
        Since the last `open`: every URL requested that is not ``file:``, ``data:`` or
        ``about:``.

    Examples
    --------
    >>> with Browser() as b:  # doctest: +SKIP
    ...     b.open("reports/2026-10/summary.html")
    ...     b.evaluate("document.title"), b.console_errors, b.requests
    ('客户分析月报', [], [])
    """

    def __init__(
        self, executable: str | None = None, *, timeout: float = 30, env: dict | None = None
    ) -> None:
        self.executable = executable or find_browser()
        self.timeout = timeout
        self.env = env
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self._proc: subprocess.Popen | None = None
        self._tmp: str | None = None
        self._ws = None
        self._session: str | None = None
        self._next_id = 0
        self._loads = 0

    # --- lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> Browser:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        import websocket

        self._tmp = tempfile.mkdtemp(prefix="analysis-browser-")
        profile = Path(self._tmp, "profile")
        profile.mkdir()
        log = Path(self._tmp, "browser.log")
        cmd = [
            self.executable,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        env = {**os.environ, **(self.env or {})}
        with open(log, "wb") as err:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                env=env,
                start_new_session=True,  # its own process group, killed as one
            )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not _DEVTOOLS_PORT.match(port_file.read_text() if port_file.is_file() else ""):
            if self._proc.poll() is not None:
                raise BrowserError(
                    f"{self.executable} exited with status {self._proc.returncode} at start: "
                    f"{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise BrowserError(
                    f"{self.executable} did not open its DevTools port within "
                    f"{self.timeout:.0f} s: {self._log_tail()}"
                )
            time.sleep(0.05)
        port, path = _DEVTOOLS_PORT.match(port_file.read_text()).groups()
        # no Origin header: Chromium refuses websocket clients that send one it doesn't allow
        self._ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}",
            timeout=self.timeout,
            suppress_origin=True,
        )
        target = self._send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self._send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, False
        )
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._send(f"{domain}.enable")

    def _log_tail(self) -> str:
        try:
            text = Path(self._tmp or "", "browser.log").read_text(errors="replace").strip()
        except OSError:
            return "(no browser output)"
        lines = [line for line in text.splitlines() if line.strip()]
        return " | ".join(lines[-5:]) or "(no browser output)"

    def close(self) -> None:
        """Close the browser, kill its process group, remove the temporary profile."""
        closed = False
        if self._ws is not None:
            self.timeout, timeout = min(self.timeout, 5), self.timeout
            try:
                self._send("Browser.close", session=False)
                closed = True
            except Exception:  # noqa: BLE001 - closing anyway; the kill below is the fallback
                pass
            finally:
                self.timeout = timeout
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001
                pass
            self._ws = None
        if self._proc is not None:
            if closed:
                try:
                    self._proc.wait(timeout=5)  # it saves nothing: a headless, new profile
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)  # what is left: renderers, zygote
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
        if self._tmp is not None:
            for _ in range(10):  # a dying helper may still write into the profile
                shutil.rmtree(self._tmp, ignore_errors=True)
                if not os.path.exists(self._tmp):
                    break
                time.sleep(0.1)
            self._tmp = None

    # --- protocol -----------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        if self._ws is None:
            raise BrowserError(f"{method}: the browser is not running")
        self._next_id += 1
        msg_id = self._next_id
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        deadline = time.monotonic() + self.timeout
        self._ws.send(json.dumps(message))
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message', reply)}")
                return reply.get("result", {})

    def _receive(self, deadline: float, waiting_for: str) -> dict:
        import websocket

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError(f"no answer to {waiting_for} within {self.timeout:.0f} s")
        self._ws.settimeout(remaining)
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            raise BrowserError(f"no answer to {waiting_for} within {self.timeout:.0f} s") from None
        except (websocket.WebSocketException, OSError) as exc:
            raise BrowserError(
                f"lost the browser while waiting for {waiting_for}: {exc}; {self._log_tail()}"
            ) from exc
        message = json.loads(raw)
        if "method" in message:
            self._on_event(message["method"], message.get("params", {}))
        return message

    def _on_event(self, method: str, params: dict) -> None:
        if method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            raise BrowserError(f"the browser tab crashed (out of memory?): {self._log_tail()}")
        if method == "Page.loadEventFired":
            self._loads += 1
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = _console_text(params.get("args", []))
            self.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_errors.append(f"exception: {text}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                where = f" ({entry['url']})" if entry.get("url") else ""
                source = entry.get("source", "log")
                self.console_errors.append(f"{source}: {entry.get('text')}{where}")
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(_LOCAL_SCHEMES):
                self.requests.append(url)

    # --- pages --------------------------------------------------------------------------

    def open(self, page: str | Path) -> None:
        """Load ``page`` (a file path or URL) and wait for its load event and fonts.

        Clears `console_errors` and `requests` first.
        """
        url = _as_url(page)
        self.console_errors.clear()
        self.requests.clear()
        loads = self._loads
        result = self._send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"could not open {url}: {result['errorText']}")
        deadline = time.monotonic() + self.timeout
        while self._loads == loads:
            self._receive(deadline, f"the load event of {url}")
        self.evaluate("document.fonts.ready.then(() => true)")

    def evaluate(self, expression: str) -> Any:
        """Value of a JavaScript expression in the page (promises are awaited).

        Raises
        ------
        BrowserError
            If the expression throws; the message has the JavaScript error.
        """
        result = self._send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"JavaScript error: {text}")
        return result.get("result", {}).get("value")

    def _settle(self) -> None:
        # two animation frames: layout and paint after a size or media change
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    @contextmanager
    def emulate(self, *, width: int | None = None, media: str = "") -> Iterator[None]:
        """Lay the open page out ``width`` CSS pixels wide and/or for ``media`` ("print").

        Examples
        --------
        >>> with browser.emulate(width=703, media="print"):  # doctest: +SKIP
        ...     browser.evaluate("document.querySelector('table').offsetWidth")
        """
        if width is not None:
            self._send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            )
        self._send("Emulation.setEmulatedMedia", {"media": media})
        try:
            self._settle()
            yield
        finally:
            self._send("Emulation.setEmulatedMedia", {"media": ""})
            if width is not None:
                self._send("Emulation.clearDeviceMetricsOverride")

    def screenshot(self, path: str | Path, *, width: int = 1280, media: str = "") -> Path:
        """Write a full-page PNG of the open page, ``width`` CSS pixels wide.

        ``media="print"`` shows the page with its print stylesheet (one long sheet).
        """
        with self.emulate(width=width, media=media):
            size = self._send("Page.getLayoutMetrics")["cssContentSize"]
            height = max(1, int(size["height"] + 0.5))
            shot = self._send(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                },
            )
        return _write_bytes(Path(path), base64.b64decode(shot["data"]))

    def print_pdf(self, path: str | Path) -> Path:
        """Write the open page as a PDF, on the page's ``@page`` size (A4 when it has none)."""
        pdf = self._send(
            "Page.printToPDF",
            {
                "preferCSSPageSize": True,
                "printBackground": True,
                "paperWidth": _A4_INCHES[0],
                "paperHeight": _A4_INCHES[1],
            },
        )
        return _write_bytes(Path(path), base64.b64decode(pdf["data"]))


def _write_bytes(path: Path, data: bytes) -> Path:
    from analysis.export import _write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, data)
    return path


def write_pdfs(period_dir: str | Path, log: Callable[[str], None] = print) -> list[Path]:
    """Print every report page of a period to ``<period_dir>/pdf/<page>.pdf`` (A4).

    The period's ``index.html`` (links between files) is left out; each other ``*.html``
    gets one PDF. Pages print with their print stylesheet (A4, no filter boxes).

    Parameters
    ----------
    period_dir : path
        A published period folder, ``reports/<YYYY-MM>``.
    log : callable
        Receives one line per PDF written.

    Returns
    -------
    list of pathlib.Path
        The PDFs, in page-name order.

    Raises
    ------
    BrowserNotFound
        If no browser is installed (nothing is written).
    BrowserError
        If the browser fails or a page does not load in time.

    Examples
    --------
    >>> write_pdfs("reports/2026-10")  # doctest: +SKIP
    [PosixPath('reports/2026-10/pdf/churn_survival.pdf'), ...]
    """
    executable = find_browser()
    period_dir = Path(period_dir)
    pages = sorted(p for p in period_dir.glob("*.html") if p.name != "index.html")
    if not pages:
        raise ReportError(f"{period_dir}: no report pages to print")
    written = []
    with Browser(executable) as b:
        for page in pages:
            start = time.monotonic()
            b.open(page)
            out = b.print_pdf(period_dir / "pdf" / f"{page.stem}.pdf")
            log(f"[pdf] {out} ({time.monotonic() - start:.1f} s)")
            written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.reporting.browser screenshot|pdf PAGE OUT``; 2 on a problem."""
    p = argparse.ArgumentParser(
        prog="python -m analysis.reporting.browser",
        description="Screenshot or print a report page with headless Chromium.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("screenshot", help="full-page PNG")
    s.add_argument("page", type=Path)
    s.add_argument("out", type=Path)
    s.add_argument("--width", type=int, default=1280, help="CSS pixels (default 1280)")
    s.add_argument("--print", action="store_true", help="with the print stylesheet")
    d = sub.add_parser("pdf", help="A4 PDF with the print stylesheet")
    d.add_argument("page", type=Path)
    d.add_argument("out", type=Path)
    args = p.parse_args(argv)
    if not args.page.is_file():
        print(f"error: {args.page} does not exist", file=sys.stderr)
        return 2
    try:
        with Browser() as b:
            b.open(args.page)
            if args.command == "screenshot":
                media = "print" if args.print else ""
                out = b.screenshot(args.out, width=args.width, media=media)
            else:
                out = b.print_pdf(args.out)
            for line in b.console_errors + [f"requested {u}" for u in b.requests]:
                print(f"warning: {line}", file=sys.stderr)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
