"""What one wall panel says, as plain values: tiles, lists, banner and title.

A pure function of a session's Store, its alerts and `now` (the session clock), so the wall
redraws by comparing this snapshot with the last one and touching only what differs, and so the
wording is tested without an app. Text from the server (task names, queue names, error messages)
goes into `Content` as plain strings: it is never parsed as markup, and control characters are
made visible.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content

from trigger_tui.state.metrics import Metrics, metrics_of
from trigger_tui.state.queues import STUCK_AFTER_S
from trigger_tui.state.store import Health
from trigger_tui.ui import format as fmt

if TYPE_CHECKING:
    from trigger_tui.state.alerts import Alert, Alerts
    from trigger_tui.state.session import Session

_BARS = "▁▂▃▄▅▆▇█"
LIST_ITEMS = 5  # lines per list: what a glance across the room takes in


@dataclass(frozen=True, slots=True)
class TileDef:
    key: str
    label: str
    source: str  # the poller whose health says how fresh the tile is


TILES: tuple[TileDef, ...] = (
    TileDef("runs", "Runs/min", "metrics"),
    TileDef("success", "Success 15m", "metrics"),
    TileDef("failures", "Failures 15m", "metrics"),
    TileDef("cost", "Cost/hour", "metrics"),
    TileDef("queued", "Queued", "queues"),
    TileDef("running", "Running", "queues"),
    TileDef("wait", "Oldest wait", "queues"),
)

# Which tile a firing rule lights up, by the rule's kind (`connection` lights the title).
ALERT_TILES = {"failure_rate": "failures", "status": "failures", "no_completions": "runs",
               "queue_wait": "wait"}


@dataclass(frozen=True, slots=True)
class TileView:
    key: str
    label: str
    value: str  # "-" when there is nothing to show yet
    spark: tuple[float | None, ...]
    top: float | None  # fixed top of the sparkline scale (success rate: 1.0); None: its max
    tone: str  # ok | warn | bad | "" (neutral)
    stale: bool
    note: str  # the age of stale data, or "no data"


@dataclass(frozen=True, slots=True)
class PanelView:
    freshness: Content
    banner: Content | None
    title_alert: bool
    lit: frozenset[str]  # tiles that a firing alert flashes
    tiles: tuple[TileView, ...]
    failing: Content
    queues: Content
    ticker: Content
    alerts: Content


def _stale(h: Health | None, now: float) -> tuple[bool, str]:
    """(stale, note): data older than twice its poller's interval, or none yet."""
    if h is None or h.last_success is None:
        return True, "no data"
    age = now - h.last_success
    if age > 2 * h.interval_s:
        return True, f"{fmt.span(age)} old"
    return False, ""


def wait_text(seconds: float | None) -> str:
    """`4:05`, `1:02:03`: a wait that the big digits can draw."""
    if seconds is None:
        return "0:00"
    s = int(max(0.0, seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def percent(rate: float) -> str:
    """`97%`; `99.9%` rather than a rounded `100%` while anything failed."""
    if rate >= 1.0:
        return "100%"
    tenths = math.floor(rate * 1000) / 10
    return f"{tenths:.1f}%" if tenths >= 99 else f"{math.floor(tenths)}%"


def cost_text(usd: float) -> str:
    return f"${usd:,.0f}" if usd >= 1000 else f"${usd:,.2f}"


def spark(values: Sequence[float | None], width: int, top: float | None = None) -> str:
    """A one-line sparkline `width` cells wide, newest at the right. Longer series are folded
    (the max of each group), shorter ones padded on the left; None is a gap."""
    if width <= 0:
        return ""
    points = list(values)
    if len(points) > width:
        size = len(points) / width
        folded: list[float | None] = []
        for i in range(width):
            group = [v for v in points[int(i * size):int((i + 1) * size)] if v is not None]
            folded.append(max(group) if group else None)
        points = folded
    known = [v for v in points if v is not None]
    hi = top if top is not None else (max(known) if known else 0.0)
    out = []
    for v in points:
        if v is None:
            out.append(" ")
        elif hi <= 0:
            out.append(_BARS[0])
        else:
            out.append(_BARS[min(7, max(0, round(v / hi * 7)))])
    return "".join(out).rjust(width)


def tiles(metrics: Metrics | None, health: dict[str, Health],
          now: float) -> tuple[TileView, ...]:
    out = []
    for d in TILES:
        stale, note = _stale(health.get(d.source), now)
        value, series, top, tone = _figure(d.key, metrics)
        out.append(TileView(d.key, d.label, value, series, top, tone, stale, note))
    return tuple(out)


def _figure(key: str, m: Metrics | None) -> tuple[str, tuple[float | None, ...], float | None,
                                                  str]:
    if m is None:
        return "-", (), None, ""
    done = m.minutes[:-1]  # the current minute is still filling
    if key == "runs":
        return str(m.runs_per_min), tuple(float(x.finished) for x in done), None, ""
    if key == "success":
        rate = m.success_rate
        tone = "" if rate is None else "ok" if rate >= 0.95 else "warn" if rate >= 0.8 else "bad"
        return ("-" if rate is None else percent(rate),
                tuple(x.completed / x.finished if x.finished else None for x in done), 1.0, tone)
    if key == "failures":
        n = m.failures_15m
        return str(n), tuple(float(x.failed) for x in done), None, "bad" if n else "ok"
    if key == "cost":
        return cost_text(m.cost_per_hour), tuple(x.cost for x in done), None, ""
    gauges = m.gauges
    if key == "queued":
        return ("-" if m.queued is None else str(m.queued),
                tuple(float(g.queued) for g in gauges), None, "")
    if key == "running":
        return ("-" if m.running is None else str(m.running),
                tuple(float(g.running) for g in gauges), None, "")
    wait = m.oldest_wait_s
    tone = "" if not gauges else "bad" if (wait or 0.0) > STUCK_AFTER_S else "ok"
    return ("-" if not gauges else wait_text(wait),
            tuple(g.oldest_wait_s or 0.0 for g in gauges), None, tone)


def _plain(text: str) -> str:
    return fmt.printable(text)


def _heading(title: str, extra: str = "") -> Content:
    return Content.assemble((title, "bold"), (f"  {extra}" if extra else "", "dim"))


def _lines(heading: Content, rows: list[Content], empty: str) -> Content:
    body = rows or [Content.styled(empty, "dim")]
    return Content("\n").join([heading, *body])


def failing_list(m: Metrics | None) -> Content:
    rows = []
    if m is not None:
        for task, failed, finished in m.recent.top_failing(LIST_ITEMS):
            rate = failed / finished if finished else 0.0
            rows.append(Content.assemble(("✗ ", "$error"), (_plain(task), "bold"),
                                         f"  {failed}/{finished}", (f" ({rate:.0%})", "dim")))
    return _lines(_heading("Top failing", "15m, failed/finished"), rows,
                  "no failures" if m is not None else "no data yet")


def queue_list(m: Metrics | None) -> Content:
    rows = []
    if m is not None:
        stuck = m.stuck(STUCK_AFTER_S, LIST_ITEMS)
        names = {q.name for q in stuck}
        for q in stuck:
            rows.append(Content.assemble(("⚠ stuck ", "$error bold"),
                                         (wait_text(q.oldest_wait_s), "$error bold"),
                                         f", {q.queued} queued  ", (_plain(q.name), "bold")))
        for q in m.busiest(LIST_ITEMS):
            if len(rows) >= LIST_ITEMS:
                break
            if q.name in names:
                continue
            limit = f"/{q.limit}" if q.limit is not None else ""
            rows.append(Content.assemble(("⏸ " if q.paused else "● ", "dim"),
                                         f"{q.queued} queued, {q.running}{limit} running  ",
                                         (_plain(q.name), "bold")))
    return _lines(_heading("Queues", f"busiest, stuck > {fmt.span(STUCK_AFTER_S)}"), rows,
                  "nothing queued or running" if m is not None else "no data yet")


def ticker(m: Metrics | None, now: float) -> Content:
    rows = []
    if m is not None:
        for f in m.failures[:LIST_ITEMS]:
            look = fmt.status_look(f.status)
            rows.append(Content.assemble((f"{fmt.span(max(0.0, now - f.at)):>4} ", "dim"),
                                         (f"{look.symbol} ", "$error"),
                                         (_plain(f.task), "bold"), "  ",
                                         _plain(f.message or look.label)))
    return _lines(_heading("Latest failures"), rows,
                  "none in the window" if m is not None else "no data yet")


def alert_list(records: Sequence[Alert], now: float) -> Content:
    ordered = sorted(records, key=lambda a: (not a.firing, -a.seq))
    firing = sum(1 for a in ordered if a.firing)
    rows = []
    for a in ordered[:max(LIST_ITEMS, firing)]:
        since = fmt.ago(a.since, now)
        if a.firing:
            rows.append(Content.assemble(("● FIRING ", "$error bold"), (a.rule, "bold"),
                                         f"  {_plain(a.message)}", (f"  since {since}", "dim")))
        else:
            cleared = fmt.ago(a.cleared, now)
            rows.append(Content.assemble(("○ ", "dim"), a.rule, (f"  {_plain(a.message)}", "dim"),
                                         (f"  {since}, cleared {cleared}", "dim")))
    extra = f"{firing} firing" if firing else ""
    return _lines(_heading("Alerts", extra), rows, "no alerts")


def connection_banner(health: dict[str, Health], now: float) -> Content | None:
    """The reason the connection fails and when it retries; None while it works."""
    failing = [h for name, h in health.items()
               if not name.startswith(("run:", "watch:")) and h.consecutive_failures]
    if not failing:
        return None
    worst = min(failing, key=lambda h: (h.failing_since or now, h.name))
    retry = ("retrying now" if worst.next_at is None or worst.next_at <= now
             else f"retry in {fmt.span(worst.next_at - now)}")
    since = fmt.span(max(0.0, now - (worst.failing_since or now)))
    return Content.assemble(("✗ connection failing ", "bold"),
                            f"({worst.name}, for {since}): ",
                            _plain(worst.last_error or "no answer"), (f" · {retry}", "bold"))


def freshness(health: dict[str, Health], now: float) -> Content:
    """`● live · 3s ago`: the oldest of the wall's pollers speaks for the panel."""
    records = [health[n] for n in ("metrics", "queues") if n in health]
    if not records or any(h.last_success is None for h in records):
        state = "failing" if any(h.consecutive_failures for h in records) else "connecting"
        return Content.styled("✗ no data" if state == "failing" else "◌ connecting",
                              "$error bold" if state == "failing" else "dim")
    oldest = min(h.last_success or 0.0 for h in records)
    age = fmt.span(max(0.0, now - oldest)) + " ago"
    states = {h.state(now) for h in records}
    if "failing" in states:
        return Content.assemble(("✗ failing", "$error bold"), f" · data {age}")
    if "stale" in states:
        return Content.assemble(("◐ stale", "$warning bold"), f" · data {age}")
    return Content.assemble(("● live", "$success"), (f" · {age}", "dim"))


def firing_tiles(alerts: Alerts | None) -> tuple[frozenset[str], bool]:
    """(tile keys lit by firing alerts, whether the connection rule fires)."""
    if alerts is None:
        return frozenset(), False
    kinds = {r.name: r.when for r in alerts.rules}
    lit: set[str] = set()
    connection = False
    for a in alerts.firing():
        when = kinds.get(a.rule)
        if a.kind == "watch" and a.rule.startswith("queue:"):
            when = "queue_wait"
        if when == "connection":
            connection = True
        elif when in ALERT_TILES:
            lit.add(ALERT_TILES[when])
    return frozenset(lit), connection


def panel_view(session: Session) -> PanelView:
    store = session.store
    now = session.clock()
    m = metrics_of(store)
    lit, connection = firing_tiles(session.alerts)
    records = session.alerts.records() if session.alerts is not None else []
    return PanelView(
        freshness=freshness(store.health, now),
        banner=connection_banner(store.health, now),
        title_alert=connection, lit=lit,
        tiles=tiles(m, store.health, now),
        failing=failing_list(m), queues=queue_list(m), ticker=ticker(m, now),
        alerts=alert_list(records, now))
