"""The conflict report: open count, resolutions per strategy, mean time to resolve, by
integration — and its CSV export."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from possync_gui.domain.conflicts import ConflictReport, IntegrationConflictStats

#: What a resolved conflict without a strategy (an old row) is counted as.
UNKNOWN = "unknown"
CSV_HEADER = ("scope", "name", "open", "resolved", "mean_hours_to_resolve")


def _mean(spans: list[timedelta]) -> timedelta | None:
    if not spans:
        return None
    return sum(spans, timedelta(0)) / len(spans)


def build_report(
    open_counts: dict[str, int],
    resolved: Iterable[tuple[str, str | None, datetime, datetime | None]],
    names: Iterable[str] = (),
) -> ConflictReport:
    """``resolved``: (integration name, strategy, detected at, resolved at) per resolved
    conflict; ``names``: every integration, so one without conflicts shows zeros."""
    by_strategy: Counter[str] = Counter()
    spans: list[timedelta] = []
    per: dict[str, list[timedelta]] = defaultdict(list)
    counts: Counter[str] = Counter()
    for name, strategy, detected, done in resolved:
        by_strategy[strategy or UNKNOWN] += 1
        counts[name] += 1
        if done is not None:
            span = max(done - detected, timedelta(0))
            spans.append(span)
            per[name].append(span)
    everyone = sorted(set(names) | set(open_counts) | set(counts))
    return ConflictReport(
        open_count=sum(open_counts.values()),
        resolved_by_strategy=dict(sorted(by_strategy.items())),
        mean_time_to_resolve=_mean(spans),
        by_integration=tuple(
            IntegrationConflictStats(n, open_counts.get(n, 0), counts[n], _mean(per[n]))
            for n in everyone
        ),
    )


def _hours(span: timedelta | None) -> str:
    return "" if span is None else f"{span.total_seconds() / 3600:.2f}"


def write_csv(report: ConflictReport, path: Path) -> int:
    """Write the report as CSV (one row for all, one per integration, one per strategy);
    returns the rows written below the header."""
    resolved_total = sum(report.resolved_by_strategy.values())
    rows: list[tuple[str, str, str, str, str]] = [
        (
            "all",
            "All integrations",
            str(report.open_count),
            str(resolved_total),
            _hours(report.mean_time_to_resolve),
        )
    ]
    rows += [
        ("integration", s.name, str(s.open), str(s.resolved), _hours(s.mean_time_to_resolve))
        for s in report.by_integration
    ]
    rows += [
        ("strategy", strategy, "", str(n), "")
        for strategy, n in report.resolved_by_strategy.items()
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)
    return len(rows)
