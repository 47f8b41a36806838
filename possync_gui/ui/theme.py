"""Light and dark: follow the system, or set one (Settings → Theme).

"system" leaves the colour scheme to the OS (``QStyleHints.colorScheme``) and restores the
palette the app started with; "light" and "dark" set Qt's colour scheme and, because a
platform without a theme (offscreen, a bare X server) ignores that, an explicit palette.
The tabs' own colour coding asks ``is_dark()`` where a fixed colour would not read.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

R = QPalette.ColorRole
G = QPalette.ColorGroup


class _Start:
    """The palette before any theme was applied ("system" goes back to it)."""

    palette: QPalette | None = None


def _palette(dark: bool) -> QPalette:
    if dark:
        base, window, text, button = "#1e1f22", "#2b2d30", "#e8e8e8", "#3a3d41"
        highlight, link, mid, alt = "#3d6fb6", "#8ab4f8", "#5a5d62", "#26282b"
    else:
        base, window, text, button = "#ffffff", "#f3f3f3", "#1b1b1b", "#e9e9e9"
        highlight, link, mid, alt = "#2f65ca", "#1a56c4", "#b9b9b9", "#f6f7f9"
    pal = QPalette()
    for role, colour in (
        (R.Window, window),
        (R.WindowText, text),
        (R.Base, base),
        (R.AlternateBase, alt),
        (R.Text, text),
        (R.Button, button),
        (R.ButtonText, text),
        (R.ToolTipBase, window),
        (R.ToolTipText, text),
        (R.Highlight, highlight),
        (R.HighlightedText, "#ffffff"),
        (R.Link, link),
        (R.Mid, mid),
        (R.Dark, "#16171a" if dark else "#a0a0a0"),
        (R.Light, "#4a4d52" if dark else "#ffffff"),
        (R.PlaceholderText, "#9a9da3" if dark else "#6d6d6d"),
    ):
        pal.setColor(role, QColor(colour))
    disabled = QColor("#7b7e84" if dark else "#a3a3a3")
    for role in (R.WindowText, R.Text, R.ButtonText):
        pal.setColor(G.Disabled, role, disabled)
    return pal


def apply_theme(theme: str) -> None:
    """Apply "system", "light" or "dark" to the running application, at once."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if _Start.palette is None:
        _Start.palette = QPalette(app.palette())
    hints = QGuiApplication.styleHints()
    if theme == "system":
        hints.unsetColorScheme()
        app.setPalette(_Start.palette)
    else:
        dark = theme == "dark"
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
        app.setPalette(_palette(dark))
    for widget in app.topLevelWidgets():  # views paint their models' colours again
        widget.update()


def is_dark(widget: QWidget | None = None) -> bool:
    """True when the window colour in use is dark (whatever set it)."""
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(R.Window).lightness() < 128


def error_colour(widget: QWidget | None = None) -> str:
    """A red that reads on the current background."""
    return "#ff8a80" if is_dark(widget) else "#b3261e"
