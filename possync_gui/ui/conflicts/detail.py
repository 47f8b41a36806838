"""The selected conflict: its numbers, the movements on each side since the base, and its
history (detected, updated, resolved, re-opened… with who, when and the note).

A plain widget, no signals. The body is a read-only text browser: it takes focus (Tab or
Enter from the table) and scrolls with the arrow keys.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QTextBrowser, QVBoxLayout, QWidget

from possync_gui.domain.conflicts import ConflictDetail, ConflictEvent, SideMovement
from possync_gui.ui.conflicts.model import (
    LESS_COLOUR,
    MORE_COLOUR,
    STRATEGY_WORDS,
    local,
    money,
    signed,
    status_text,
)

EMPTY_TEXT = (
    "Select a conflict to see its numbers, what moved on each side since the two last agreed, "
    "and its history."
)
EVENT_WORDS = {
    "detected": "Detected",
    "updated": "Numbers changed",
    "resolved": "Resolved",
    "reopened": "Re-opened",
    "stale": "Changed since shown",
    "closed_by_sync": "Closed by sync",
}
SIDE_WORDS = {"pos": "POS", "warehouse": "Warehouse"}
_CELL = "padding:2px 12px 2px 0;"
_HEAD = f"{_CELL} color:#444; font-weight:600; border-bottom:1px solid #ccc;"


class DetailPanel(QWidget):
    """One conflict in full (``show_detail``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setStyleSheet("color: #555;")
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.body, 1)
        self._shown: tuple[uuid.UUID | None, str] = (None, "")
        self.show_detail(None)

    def show_detail(self, detail: ConflictDetail | None, more: int = 0) -> None:
        if detail is None:
            self.title.setText("Conflict detail")
            self.subtitle.setText("")
            self._set_body(None, f"<p style='color:#555'>{escape(EMPTY_TEXT)}</p>")
            return
        r = detail.record
        self.title.setText(f"{r.sku} — {r.product_name}")
        extra = f" · and {more} more selected" if more else ""
        policy = " · high value: always reviewed by a person" if r.review_policy == "manual" else ""
        self.subtitle.setText(
            f"{r.warehouse_code} · {r.integration_name} · detected {local(r.detected_at)} · "
            f"{status_text(r)}{policy}{extra}"
        )
        numbers = _numbers(detail)
        movements = _movements(detail.movements)
        history = _history(detail.history)
        self._set_body(
            r.id,
            f"{numbers}<br><table width='100%' cellspacing='0'><tr>"
            f"<td valign='top' width='45%'>{movements}</td>"
            f"<td valign='top' width='55%'>{history}</td></tr></table>",
        )

    def _set_body(self, conflict_id: uuid.UUID | None, html: str) -> None:
        # The tab reloads on every stock change (a demo sale, a sync): the same conflict
        # keeps the place the reader scrolled to, and an unchanged one is not redrawn.
        if (conflict_id, html) == self._shown:
            return
        bar = self.body.verticalScrollBar()
        keep = bar.value() if conflict_id is not None and conflict_id == self._shown[0] else 0
        self._shown = (conflict_id, html)
        self.body.setHtml(html)
        bar.setValue(keep)

    def text(self) -> str:
        return self.body.toPlainText()


def _numbers(detail: ConflictDetail) -> str:
    r = detail.record
    colour = MORE_COLOUR if r.difference > 0 else LESS_COLOUR
    pos = f"{r.pos_value:,}" + (" (last known: POS unreachable)" if r.pos_unverified else "")
    cells: list[tuple[str, str]] = [
        ("POS", pos),
        ("Warehouse", f"{r.system_value:,}"),
        ("Base (last agreed)", "none yet" if r.base_value is None else f"{r.base_value:,}"),
        ("Difference", f"<span style='color:{colour.name()}'>{signed(r.difference)}</span>"),
        ("Value at cost", escape(money(r.value_at_cost))),
    ]
    if r.resolved_value is not None:  # the numbers above are those it was settled from
        cells.append(("Settled at", f"<span style='color:#1b6e3a'>{r.resolved_value:,}</span>"))
    head = "".join(f"<td style='{_CELL} color:#555'>{escape(k)}</td>" for k, _v in cells)
    values = "".join(
        f"<td style='{_CELL} font-size:16px; font-weight:600'>{v}</td>" for _k, v in cells
    )
    # The note is the last event's too: said here only when there is no history to show it.
    note = f"<p style='color:#444'>{escape(r.note)}</p>" if r.note and not detail.history else ""
    return f"<table cellspacing='0'><tr>{head}</tr><tr>{values}</tr></table>{note}"


def _table(
    title: str, headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], empty: str
) -> str:
    heading = f"<p style='font-weight:600; margin-top:10px; margin-bottom:2px'>{escape(title)}</p>"
    if not rows:
        return f"{heading}<p style='color:#666'>{escape(empty)}</p>"
    head = "".join(f"<td style='{_HEAD}'>{escape(h)}</td>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='{_CELL}'>{cell}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f"{heading}<table cellspacing='0'><tr>{head}</tr>{body}</table>"


def _movements(movements: tuple[SideMovement, ...]) -> str:
    rows = [
        (
            escape(local(m.at) or "—"),
            escape(SIDE_WORDS.get(m.side, m.side)),
            f"<b>{escape(signed(m.delta))}</b>",
            escape(m.reason.replace("_", " ")),
            escape(m.actor or ""),
        )
        for m in movements
    ]
    return _table(
        "Movements since the base",
        ("When", "Side", "Change", "Reason", "By"),
        rows,
        "Nothing recorded on either side since the two last agreed.",
    )


def _history(events: tuple[ConflictEvent, ...]) -> str:
    rows = []
    for e in events:
        what = EVENT_WORDS.get(e.kind, e.kind)
        if e.strategy:
            what += f": {STRATEGY_WORDS.get(e.strategy, e.strategy)}"
        if e.value is not None:
            what += f" \u2192 {e.value:,}"
        numbers = " / ".join(
            "—" if n is None else f"{n:,}" for n in (e.pos_value, e.system_value, e.base_value)
        )
        rows.append(
            (
                escape(local(e.at)),
                escape(what),
                escape(numbers),
                escape(e.actor or ""),
                escape(e.note or ""),
            )
        )
    return _table(
        "History",
        ("When", "What", "POS / wh. / base", "By", "Note"),
        rows,
        "No history recorded.",
    )
