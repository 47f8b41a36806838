"""How the Integrations tab words things: times, results, health (formatting happens late,
STYLE habit 9). Pure functions over the facade's snapshots; no Qt, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from possync_gui.services.integrations import SyncLogEntry
from possync_gui.services.monitor import HealthReport

TYPE_LABELS = {
    "square": "Square",
    "shopify": "Shopify",
    "woocommerce": "WooCommerce",
    "custom": "Custom",
    "demo": "Demo POS (simulated)",
}
HEALTH_LABELS = {
    "healthy": "Healthy",
    "warning": "Warning",
    "error": "Error",
    "offline": "Offline",
    "unknown": "Unknown",
}
#: The summary counters a run's result line names, in this order, with their words.
RESULT_COUNTERS = (
    ("pulled", "pulled"),
    ("pushed", "pushed"),
    ("push_failed", "push failed"),
    ("conflicts", "conflicts"),
    ("mappings_created", "new mappings"),
    ("unmatched", "unmatched"),
    ("requeued", "re-sent"),
    ("sales_days", "sales days"),
    ("products_renamed", "renamed"),
)
CANCELLED_TEXT = "Sync cancelled — the batches already written are kept"


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind)


def words(value: str) -> str:
    """``every_5_minutes`` → ``Every 5 minutes``."""
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


def relative(when: datetime, now: datetime | None = None) -> str:
    """``5 min ago``, ``in 2 h``, ``just now``."""
    now = now or datetime.now(UTC)
    seconds = (when - now).total_seconds()
    future = seconds > 0
    span = abs(seconds)
    if span < 60:
        return "now" if future else "just now"
    if span < 3600:
        amount = f"{int(span // 60)} min"
    elif span < 86400:
        amount = f"{int(span // 3600)} h"
    else:
        days = int(span // 86400)
        amount = f"{days} day" if days == 1 else f"{days} days"
    return f"in {amount}" if future else f"{amount} ago"


def local_time(when: datetime | None, now: datetime | None = None, *, empty: str = "") -> str:
    """Local wall-clock time with the relative time after it."""
    if when is None:
        return empty
    return f"{when.astimezone().strftime('%Y-%m-%d %H:%M')} ({relative(when, now)})"


def next_sync_text(when: datetime | None, frequency: str, now: datetime | None = None) -> str:
    """When the next scheduled sync is due; an overdue one is due now."""
    if when is None:
        return words(frequency)
    now = now or datetime.now(UTC)
    if when <= now:
        return f"due now (since {when.astimezone().strftime('%H:%M')})"
    return local_time(when, now)


def counts_text(summary: dict[str, Any]) -> str:
    parts = [
        f"{summary[key]} {label}"
        for key, label in RESULT_COUNTERS
        if isinstance(summary.get(key), int) and summary[key]
    ]
    return ", ".join(parts) if parts else "no changes"


def result_text(entry: SyncLogEntry) -> str:
    """``success · 3 pulled, 1 pushed``; ``failed · 1 error``."""
    if entry.status in ("failed", "cancelled"):
        noun = "error" if len(entry.errors) == 1 else "errors"
        tail = f"{len(entry.errors)} {noun}" if entry.errors else "no details"
        if entry.status == "cancelled":
            tail = f"{entry.records_processed:,} handled before the cancel"
        return f"{entry.status} · {tail}"
    text = f"{entry.status} · {counts_text(entry.summary)}"
    if entry.errors:
        text += f" · {len(entry.errors)} {'error' if len(entry.errors) == 1 else 'errors'}"
    return text


def run_details(entry: SyncLogEntry) -> str:
    """Everything the log knows about one run, for the read-only detail box."""
    lines = [
        f"{words(entry.sync_type)} sync of {entry.integration_name}: {entry.status}",
        f"Started   {local_time(entry.started_at)}",
    ]
    if entry.completed_at is not None:
        took = (entry.completed_at - entry.started_at).total_seconds()
        lines.append(f"Finished  {local_time(entry.completed_at)} — took {took:.1f} s")
    lines.append(f"Records handled: {entry.records_processed:,}")
    counters = [
        f"  {key.replace('_', ' ')}: {value:,}"
        for key, value in entry.summary.items()
        if isinstance(value, int) and value
    ]
    lines += ["", "Counters:", *counters] if counters else ["Counters: nothing moved"]
    lines.append("")
    if entry.errors:
        lines.append(f"Errors ({len(entry.errors)}):")
        lines += [f"  • {error}" for error in entry.errors]
    else:
        lines.append("No errors.")
    return "\n".join(lines)


def health_label(report: HealthReport | None) -> str:
    if report is None:
        return "Not checked"
    return HEALTH_LABELS.get(report.status, report.status)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def health_tooltip(report: HealthReport | None) -> str:
    if report is None:
        return "Health not checked yet — select the row and press Check health (Ctrl+H)"
    lines = [health_label(report)]
    if report.checked_at is not None:
        lines[0] += f" — checked {local_time(report.checked_at)}"
    ms = report.response_time_ms
    lines.append(f"Response time: {'—' if ms is None else f'{ms:,} ms'}")
    lines.append(f"Uptime: {_percent(report.uptime)}")
    lines.append(f"Error rate: {_percent(report.error_rate)}")
    if report.error:
        lines.append(f"Last error: {report.error}")
    return "\n".join(lines)
