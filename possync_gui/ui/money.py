"""Money as the tabs show it: one formatter, late (STYLE habit 9).

Amounts that carry their own currency (a purchase order in its supplier's) show it; the
others (costs, stock values, the approval threshold) show the store's currency from the
Settings, which ``set_home_currency`` changes at once: views format in ``data()``, so a
repaint shows the new code.
"""

from __future__ import annotations

from decimal import Decimal


class _Home:
    """The store's currency code; the one piece of display state the Settings change."""

    code = "USD"


def set_home_currency(code: str) -> None:
    _Home.code = code.strip().upper() or "USD"


def home_currency() -> str:
    return _Home.code


def format_money(amount: Decimal, currency: str | None = None) -> str:
    """``USD 1,234.50``: the code (the store's when ``currency`` is None), then the amount
    with thousands separators and two decimals."""
    return f"{currency or _Home.code} {amount:,.2f}"
