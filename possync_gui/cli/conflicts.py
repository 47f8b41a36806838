"""``possync conflicts``: list, inspect, resolve and report sync conflicts from the shell.

``resolve`` acts as the global ``--operator`` — a person — so a high-value product may be
settled too. It prints one line per conflict and exits 0 when every one was resolved, 1
when some wait for review, were stale (changed meanwhile: check and run again), were
already resolved, not found or failed, and 2 on bad input (a bad id, file or argument).
Ids are the UUID or a unique prefix of at least 8 characters (``list`` shows 8).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from possync_gui.cli.commands import Command
from possync_gui.cli.output import cell, jsonable, print_json, table
from possync_gui.domain.conflicts import (
    ConflictQuery,
    ConflictRecord,
    ConflictReport,
    ResolutionOutcome,
    ResolutionStrategy,
)
from possync_gui.domain.errors import ValidationError

EXIT_NOT_ALL = 1
EXIT_BAD_INPUT = 2
SHORT_ID = 8


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _bad(message: str) -> int:
    print(f"possync: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def add_conflicts_commands(commands: Any) -> None:
    """Add the ``conflicts`` group to ``build_parser``'s sub-parsers."""
    from possync_gui.cli.parser import _command, _group  # noqa: PLC0415  (parser imports us)

    group = _group(_command(commands, "conflicts", None, "sync conflicts between POS and store"))
    listing = _command(group, "list", conflicts_list, "list conflicts (open ones by default)")
    listing.add_argument("--integration", metavar="I", help="its id, key or name")
    listing.add_argument("--status", choices=["open", "resolved", "all"], default="open")
    listing.add_argument("--search", default="", metavar="TEXT", help="SKU, name or warehouse")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    show = _command(group, "show", conflicts_show, "one conflict with its history and movements")
    show.add_argument("id", metavar="ID", help="its id or a unique prefix (8+ characters)")
    show.add_argument("--json", action="store_true", help="print JSON for scripts")
    resolve = _command(
        group,
        "resolve",
        conflicts_resolve,
        "settle conflicts (exit 0 all resolved, 1 some need review, stale or failed, 2 bad input)",
    )
    resolve.add_argument("ids", nargs="*", metavar="ID", help="ids or unique prefixes")
    resolve.add_argument(
        "--from-json", metavar="FILE", help="the seed's list of {productId, productCode, …}"
    )
    resolve.add_argument("--strategy", required=True, choices=[s.value for s in ResolutionStrategy])
    resolve.add_argument("--value", type=int, metavar="N", help="with --strategy set")
    resolve.add_argument("--reason", metavar="TEXT", help="with --strategy set (required)")
    resolve.add_argument("--json", action="store_true", help="print JSON for scripts")
    report = _command(group, "report", conflicts_report, "open, resolved, time to resolve")
    report.add_argument("--json", action="store_true", help="print JSON for scripts")
    report.add_argument("--output", "-o", metavar="FILE.csv", help="also write it as CSV")


def _age(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def _row(c: ConflictRecord, now: datetime) -> tuple[Any, ...]:
    settled = f"{c.strategy} → {c.resolved_value} by {c.resolved_by}" if not c.is_open else ""
    return (
        str(c.id)[:SHORT_ID],
        c.sku,
        c.product_name,
        c.warehouse_code,
        c.integration_name,
        f"{c.pos_value}{'?' if c.pos_unverified else ''}",
        c.system_value,
        c.base_value,
        f"{c.difference:+d}",
        c.value_at_cost,
        _age(c.age(now)),
        c.status if c.is_open else settled,
    )


def conflicts_list(cmd: Command) -> int:
    args = cmd.args
    query = ConflictQuery(status=args.status, integration=args.integration, search=args.search)
    try:
        found = asyncio.run(cmd.facade.list_conflicts(query))
    except ValidationError as err:
        return _bad(str(err))
    if args.json:
        print_json(found, sys.stdout)
        return 0
    if not found:
        _out("No conflicts match.")
        return 0
    headers = (
        *("ID", "SKU", "PRODUCT", "WAREHOUSE", "INTEGRATION", "POS", "STORE", "BASE"),
        *("DIFF", "AT COST", "AGE", "STATUS"),
    )
    now = datetime.now(UTC)
    _out(table(headers, [_row(c, now) for c in found]))
    return 0


def conflicts_show(cmd: Command) -> int:
    try:
        detail = asyncio.run(cmd.facade.conflict_detail(cmd.args.id))
    except ValidationError as err:
        return _bad(str(err))
    if cmd.args.json:
        json.dump(jsonable(detail), sys.stdout, indent=2, ensure_ascii=False)
        _out()
        return 0
    c = detail.record
    _out(f"{c.sku} {c.product_name} at {c.warehouse_code} ({c.integration_name})  [{c.id}]")
    _out(f"POS {c.pos_value}, warehouse {c.system_value}, base {cell(c.base_value) or '—'}")
    _out(f"status {c.status}" + (f": {c.note}" if c.note else ""))
    _out("\nHistory:")
    rows = [
        (e.at, e.kind, e.pos_value, e.system_value, e.base_value, e.strategy, e.value, e.actor)
        for e in detail.history
    ]
    headers = ("AT", "EVENT", "POS", "STORE", "BASE", "STRATEGY", "VALUE", "BY")
    _out(table(headers, rows) if rows else "  (none)")
    _out("\nMovements since the base:")
    moves = [(m.at, m.side, f"{m.delta:+d}", m.reason, m.actor) for m in detail.movements]
    _out(table(("AT", "SIDE", "DELTA", "REASON", "BY"), moves) if moves else "  (none)")
    return 0


def _from_json(path: str) -> list[Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ValidationError(f"Cannot read {path}: {err.strerror or err}") from None
    except ValueError as err:
        raise ValidationError(f"{path} is not valid JSON: {err}") from None
    if isinstance(data, dict) and isinstance(data.get("conflicts"), list):
        data = data["conflicts"]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise ValidationError(
            f"{path} must hold a list of {{productId, productCode, posValue, systemValue, "
            "lastUpdated}} objects"
        )
    return data


def _check(args: Any) -> str | None:
    if bool(args.ids) == bool(args.from_json):
        return "give conflict ids or --from-json FILE (one of them)"
    if args.strategy == ResolutionStrategy.SET:
        if args.value is None or not (args.reason or "").strip():
            return "--strategy set needs --value N and --reason TEXT"
    elif args.value is not None:
        return "--value goes with --strategy set only"
    return None


def conflicts_resolve(cmd: Command) -> int:
    args = cmd.args
    problem = _check(args)
    if problem:
        return _bad(problem)
    try:
        items: list[Any] = _from_json(args.from_json) if args.from_json else list(args.ids)
        result = asyncio.run(
            cmd.facade.resolve_sync_conflicts(
                items, args.strategy, actor=cmd.operator, value=args.value, reason=args.reason
            )
        )
    except ValidationError as err:
        return _bad(str(err))
    if args.json:
        json.dump(jsonable(result), sys.stdout, indent=2, ensure_ascii=False)
        _out()
    else:
        for d in result.details:
            ref = str(d.conflict_id)[:SHORT_ID] if d.conflict_id else "—"
            _out(f"{d.outcome.value:<16} {ref:<8}  {d.message}")
        _out(f"{result.resolved} resolved, {result.manual_review_required} not resolved.")
    done = all(d.outcome is ResolutionOutcome.RESOLVED for d in result.details)
    return 0 if done and result.details else EXIT_NOT_ALL


def _hours(span: timedelta | None) -> str:
    return "—" if span is None else f"{span.total_seconds() / 3600:.1f} h"


def _print_report(report: ConflictReport) -> None:
    _out(f"Open conflicts: {report.open_count}")
    _out(f"Mean time to resolve: {_hours(report.mean_time_to_resolve)}")
    strategies = [(s, n) for s, n in report.resolved_by_strategy.items()]
    _out("\nResolved per strategy:")
    _out(table(("STRATEGY", "RESOLVED"), strategies) if strategies else "  (none yet)")
    rows = [
        (s.name, s.open, s.resolved, _hours(s.mean_time_to_resolve)) for s in report.by_integration
    ]
    _out("\nBy integration:")
    _out(table(("INTEGRATION", "OPEN", "RESOLVED", "MEAN TIME"), rows) if rows else "  (none)")


def conflicts_report(cmd: Command) -> int:
    args = cmd.args
    report = asyncio.run(cmd.facade.conflict_report())
    if args.output:
        try:
            written = asyncio.run(cmd.facade.export_conflict_report(Path(args.output)))
        except OSError as err:
            return _bad(f"Cannot write {args.output}: {err.strerror or err}")
        print(f"Wrote {written} rows to {args.output}", file=sys.stderr)
    if args.json:
        json.dump(_report_json(report), sys.stdout, indent=2, ensure_ascii=False)
        _out()
    else:
        _print_report(report)
    return 0


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()


def _report_json(report: ConflictReport) -> dict[str, Any]:
    """The report for scripts; times to resolve in seconds."""
    return {
        "open_count": report.open_count,
        "resolved_by_strategy": report.resolved_by_strategy,
        "mean_seconds_to_resolve": _seconds(report.mean_time_to_resolve),
        "by_integration": [
            {
                "name": s.name,
                "open": s.open,
                "resolved": s.resolved,
                "mean_seconds_to_resolve": _seconds(s.mean_time_to_resolve),
            }
            for s in report.by_integration
        ],
    }
