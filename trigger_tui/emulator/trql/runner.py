"""Running one TRQL query for the HTTP route: limits, refresh, execution, response shape.

The query itself runs in a worker thread on its own DuckDB connection, so a slow query does not
freeze the emulator (the event loop keeps serving the console); the world is only read on the
event loop, while refreshing the tables before the query starts. That makes the per-project
concurrency limit (3, as on the cloud) real: a fourth query arriving while three run gets the
real 429 body.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from trigger_tui.emulator.trql.engine import (
    MAX_ROWS,
    Compiled,
    TimeWindow,
    TrqlError,
    compile_query,
    convert,
    to_csv,
)
from trigger_tui.emulator.trql.schema import TABLES
from trigger_tui.emulator.trql.tables import Store
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.world import World

PROJECT_CONCURRENCY = 3
GLOBAL_CONCURRENCY = 100
TIME_LIMIT_S = 10.0
UNEXPECTED = "An unexpected error occurred while executing the query."


class QueryRejected(Exception):
    """Not a query error: the service refused to run it now (429)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ConcurrencyLimiter:
    """Queries running now, per project and in total (queryConcurrencyLimiter)."""

    def __init__(self, per_project: int = PROJECT_CONCURRENCY,
                 total: int = GLOBAL_CONCURRENCY) -> None:
        self.per_project = per_project
        self.total = total
        self.active: dict[str, int] = {}

    def acquire(self, project: str) -> None:
        if self.active.get(project, 0) >= self.per_project:
            raise QueryRejected(429, f"You've exceeded your query concurrency of "
                                f"{self.per_project} for this project. Please try again later.")
        if sum(self.active.values()) >= self.total:
            raise QueryRejected(429, "We're experiencing a lot of queries at the moment. "
                                "Please try again later.")
        self.active[project] = self.active.get(project, 0) + 1

    def release(self, project: str) -> None:
        left = self.active.get(project, 0) - 1
        if left > 0:
            self.active[project] = left
        else:
            self.active.pop(project, None)


@dataclass(frozen=True, slots=True)
class Result:
    columns: list[str]
    rows: list[dict[str, Any]]


class QueryService:
    """Everything TRQL keeps for one world: its database and its running queries."""

    def __init__(self, world: World) -> None:
        self.store = Store(world)
        self.limiter = ConcurrencyLimiter()
        self.time_limit_s = TIME_LIMIT_S

    async def run(self, world: World, envs: Sequence[EnvWorld], text: str,
                  window: TimeWindow) -> Result:
        """Compile, refresh what the query reads, execute; TrqlError/QueryRejected on refusal."""
        project = world.project_ref
        self.limiter.acquire(project)
        try:
            compiled = compile_query(text, window, [e.slug for e in envs])
            if compiled.tables:
                global_read = any(not TABLES[t].tenant_scoped for t in compiled.tables)
                self.store.refresh(world, world.envs.values() if global_read else envs)
            return await self._execute(compiled)
        finally:
            self.limiter.release(project)

    async def _execute(self, compiled: Compiled) -> Result:
        loop = asyncio.get_running_loop()
        cursor = self.store.reader()
        started = loop.time()
        watchdog = loop.call_later(self.time_limit_s, _interrupt, cursor)
        try:
            names, types, rows = await asyncio.to_thread(_fetch, cursor, compiled.sql)
        except duckdb.InterruptException:
            elapsed = loop.time() - started
            raise TrqlError(f"Timeout exceeded: elapsed {elapsed:.3f} seconds, maximum: "
                            f"{self.time_limit_s:g}") from None
        except duckdb.Error as exc:
            raise TrqlError(_clean(str(exc))) from None
        except asyncio.CancelledError:  # the client went away (or the app is quitting)
            _interrupt(cursor)
            raise
        finally:
            watchdog.cancel()
        columns = compiled.columns if len(compiled.columns) == len(names) else names
        out = [{c: convert(v, t) for c, v, t in zip(columns, row, types, strict=True)}
               for row in rows]
        return Result(columns, out)


def _interrupt(cursor: duckdb.DuckDBPyConnection) -> None:
    """The watchdog may fire just as the query finished and closed its connection."""
    try:
        cursor.interrupt()
    except duckdb.Error:
        pass


def _fetch(cursor: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[str],
                                                                  list[tuple[Any, ...]]]:
    try:
        cursor.execute(sql)
        description = cursor.description or []
        rows = cursor.fetchmany(MAX_ROWS)
    finally:
        cursor.close()
    return [d[0] for d in description], [str(d[1]) for d in description], rows


def _clean(message: str) -> str:
    """A DuckDB error in TRQL terms: first line, internal view names stripped."""
    first = message.strip().splitlines()[0] if message.strip() else "Query failed"
    return re.sub(r"\btrql_(\w+)", r"\1", first)


def response(result: Result, fmt: str) -> dict[str, Any]:
    if fmt == "csv":
        return {"format": "csv", "results": to_csv(result.rows, result.columns)}
    return {"format": "json", "results": result.rows}


_SERVICES: weakref.WeakKeyDictionary[World, QueryService] = weakref.WeakKeyDictionary()


def service_for(world: World) -> QueryService:
    """The world's query service, created on first use and closed with the world."""
    service = _SERVICES.get(world)
    if service is None:
        service = _SERVICES[world] = QueryService(world)
        weakref.finalize(world, service.store.close)
    return service
