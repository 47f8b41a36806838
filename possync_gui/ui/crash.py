"""Bugs: the crash report a user can send, and the dialog that names it (STYLE habit 7).

``CrashReporter`` is installed as ``sys.excepthook`` (and as the asyncio loop's exception
handler): an unhandled exception is logged, written with the last log lines to
``<log folder>/crash-YYYYmmdd-HHMMSS.txt`` (UTC; anything that looks like a token, key or
password redacted), and a non-modal dialog says where the file is, with "Open folder" and
"Copy details". ``RecentLines`` is the logging handler that keeps those last lines.
"""

from __future__ import annotations

import collections
import logging
import platform
import re
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from possync_gui import __version__

log = logging.getLogger("possync.ui")

#: How many log lines a crash report carries.
RECENT_LINES = 200
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"

# What a secret looks like in a traceback or a log line: key=value pairs whose key names a
# secret, Authorization headers, a URL's password, and long opaque tokens.
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w-]*(?:token|secret|password|passwd|api[_-]?key|consumer[_-]?key|"
    r"authorization|credential)[\w-]*)(['\"]?\s*[:=]\s*['\"]?)(bearer\s+|basic\s+)?"
    r"[^\s'\",;&}]+"
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_LONG_TOKEN = re.compile(r"\b(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{32,}\b")
REDACTED = "<redacted>"


def redact(text: str) -> str:
    """``text`` with anything that looks like a secret replaced by ``<redacted>``."""
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    return _LONG_TOKEN.sub(REDACTED, text)


class RecentLines(logging.Handler):
    """Keeps the last ``RECENT_LINES`` formatted log records for a crash report."""

    def __init__(self, size: int = RECENT_LINES) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self._lines: collections.deque[str] = collections.deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)

    def lines(self) -> list[str]:
        return list(self._lines)


def write_report(
    folder: Path, details: str, recent: list[str], now: datetime | None = None
) -> Path:
    """Write one crash report into ``folder`` and return its path (never overwrites)."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"crash-{now:%Y%m%d-%H%M%S}"
    path = folder / f"{stem}.txt"
    n = 1
    while path.exists():  # two bugs in the same second
        n += 1
        path = folder / f"{stem}-{n}.txt"
    from PySide6 import __version__ as pyside_version  # noqa: PLC0415
    from PySide6.QtCore import qVersion  # noqa: PLC0415

    head = [
        "possync crash report",
        f"time (UTC): {now:%Y-%m-%d %H:%M:%S}",
        f"possync: {__version__}",
        f"python: {platform.python_version()}  Qt: {qVersion()}  PySide6: {pyside_version}",
        f"platform: {platform.platform()}",
        "",
        "traceback:",
        details.rstrip(),
        "",
        f"last {len(recent)} log lines:",
        *recent,
        "",
    ]
    path.write_text(redact("\n".join(head)), encoding="utf-8")
    return path


class CrashDialog(QMessageBox):
    """Names the report file; "Open folder" shows it, "Copy details" copies the report."""

    def __init__(self, report: Path | None, details: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setIcon(QMessageBox.Icon.Critical)
        self.setWindowTitle("possync hit a bug")
        where = (
            f"A report was saved as <b>{report.name}</b> in {report.parent}.<br>Please send "
            "that file to whoever looks after possync."
            if report is not None
            else "The report could not be saved; copy the details instead."
        )
        self.setText(
            "Something went wrong. Your data is safe; the last action may not have finished."
        )
        self.setInformativeText(where)
        self.details = redact(details)
        self.setDetailedText(self.details)
        self.open_button = self.addButton("Open folder", QMessageBox.ButtonRole.ActionRole)
        self.copy_button = self.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
        self.addButton(QMessageBox.StandardButton.Close)
        self.open_button.setEnabled(report is not None)
        # Action buttons close a QMessageBox by default; these two keep it open.
        self.open_button.clicked.disconnect()
        self.copy_button.clicked.disconnect()
        self.open_button.clicked.connect(self.open_folder)
        self.copy_button.clicked.connect(self.copy_details)

    def open_folder(self) -> None:
        if self.report is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.report.parent)))

    def copy_details(self) -> None:
        text = self.details
        if self.report is not None and self.report.exists():
            text = self.report.read_text(encoding="utf-8")
        QApplication.clipboard().setText(text)


class CrashReporter:
    """``sys.excepthook``: log, write the report, show the dialog (non-blocking)."""

    def __init__(
        self,
        folder: Path,
        recent: RecentLines,
        show: Callable[[CrashDialog], None] | None = None,
    ) -> None:
        self.folder = folder
        self.recent = recent
        self.dialogs: list[CrashDialog] = []  # kept alive while shown; tests read them
        self._show = show or (lambda dialog: dialog.open())

    def __call__(
        self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unexpected error\n%s", redact(details))
        report: Path | None
        try:
            report = write_report(self.folder, details, self.recent.lines())
        except OSError as err:
            log.error("could not write the crash report in %s: %s", self.folder, err)
            report = None
        if QApplication.instance() is None:
            print(details, file=sys.stderr)
            return
        dialog = CrashDialog(report, details, QApplication.activeWindow())
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._closed(dialog))
        self._show(dialog)

    def _closed(self, dialog: CrashDialog) -> None:
        if dialog in self.dialogs:
            self.dialogs.remove(dialog)
        dialog.deleteLater()

    def loop_exception(self, _loop: Any, context: dict[str, Any]) -> None:
        """The asyncio loop's handler: a task's exception nobody awaited is a bug too."""
        exc = context.get("exception")
        if isinstance(exc, BaseException):
            self(type(exc), exc, exc.__traceback__)
        else:
            log.error("asyncio: %s", context.get("message", context))


def start_log_file(folder: Path, level: int) -> tuple[RecentLines, Path | None]:
    """A rotating log file in ``folder`` (possync.log, 5 × 1 MB) and the recent-lines
    buffer, both on the root logger; the file is skipped (and said) if it cannot be made."""
    from logging.handlers import RotatingFileHandler  # noqa: PLC0415

    root = logging.getLogger()
    recent = RecentLines()
    root.addHandler(recent)
    path = folder / "possync.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    except OSError as err:
        log.warning("no log file in %s: %s", folder, err)
        return recent, None
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    return recent, path
