"""Light and dark: follow the system, or set one (Settings → Theme).

"system" leaves the colour scheme to the OS (``QStyleHints.colorScheme``) and restores the
palette the app started with; "light" and "dark" set Qt's colour scheme and, because a
platform without a theme (offscreen, a bare X server) ignores that, an explicit palette.

The tabs' colour coding was chosen on white: pale backgrounds (a low stock cell) with the
palette's text, and dark text colours (a signed difference, a status). On a dark palette
``ThemedDelegate`` keeps both readable, for every view at once: text on a pale background
is painted dark, and a dark text colour on the dark base is lightened (same hue).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

R = QPalette.ColorRole
G = QPalette.ColorGroup


class _Start:
    """The palette before any theme was applied ("system" goes back to it), and whether
    one was (until then "system" leaves the palette alone, so the OS keeps driving it)."""

    palette: QPalette | None = None
    changed = False


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
        if not _Start.changed:
            return
        app.setPalette(_Start.palette)
    else:
        dark = theme == "dark"
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
        app.setPalette(_palette(dark))
    _Start.changed = True
    # A widget with its own style sheet keeps the palette it was polished with; setting
    # the sheet again polishes it with the new one (headings stayed black on dark).
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)
    if is_dark():
        for widget in app.topLevelWidgets():
            theme_views(widget)
    for widget in app.topLevelWidgets():  # views paint their models' colours again
        widget.update()


def is_dark(widget: QWidget | None = None) -> bool:
    """True when the window colour in use is dark (whatever set it)."""
    palette = widget.palette() if widget is not None else QGuiApplication.palette()
    return palette.color(R.Window).lightness() < 128


def error_colour(widget: QWidget | None = None) -> str:
    """A red that reads on the current background."""
    return "#ff8a80" if is_dark(widget) else "#b3261e"


#: Text on a pale background; the lightness a text colour needs on a dark base.
ON_PALE = QColor("#1b1b1b")
PALE = 175
READABLE_ON_DARK = 165


class ThemedDelegate(QStyledItemDelegate):
    """The default delegate, with the colour fixes of the module docstring on dark."""

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if option.palette.color(R.Base).lightness() >= 128:
            return
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        colour = _colour(background)
        pal = option.palette
        if colour is not None and colour.lightness() >= PALE:
            pal.setColor(R.Text, ON_PALE)
            return
        text = _colour(index.data(Qt.ItemDataRole.ForegroundRole))
        if text is not None and text.lightness() < READABLE_ON_DARK:
            hue, sat = max(text.hslHue(), 0), text.hslSaturation()
            pal.setColor(R.Text, QColor.fromHsl(hue, sat, READABLE_ON_DARK, text.alpha()))


def _colour(value: Any) -> QColor | None:
    if value is None:
        return None
    if isinstance(value, QColor):
        return value
    colour = getattr(value, "color", None)  # a QBrush
    return colour() if callable(colour) else None


def theme_views(root: QWidget) -> None:
    """Give every item view under ``root`` (and ``root`` itself) the themed delegate."""
    views = root.findChildren(QAbstractItemView)
    if isinstance(root, QAbstractItemView):
        views.append(root)
    for view in views:
        current = view.itemDelegate()
        if type(current) is QStyledItemDelegate:  # never replace a view's own delegate
            view.setItemDelegate(ThemedDelegate(view))


def theme_new(widget: QWidget) -> None:
    """A window made after the theme was applied (a dialog): its views too, on dark."""
    if is_dark(widget):
        theme_views(widget)
