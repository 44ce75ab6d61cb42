"""TRQL → DuckDB: parse, validate, rewrite and print one query; then run it and shape the rows.

The pipeline mirrors the real service's (a port of PostHog's HogQL): the query is parsed in the
ClickHouse dialect (sqlglot), checked against the table/column allow-list while it is printed,
and every table reference is replaced by a subquery that carries the tenant filter, the plan's
hard look-back and, for the top-level query only, the `period`/`from`/`to` fallback window.

The printer is a whitelist: each AST node type it knows is written out explicitly, so nothing
the user typed reaches DuckDB except as a validated column, a known function or a re-escaped
literal. Any other construct is a 400 in TRQL's words. A string literal can never become SQL.
"""

from __future__ import annotations

import json
import logging
import math
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.clickhouse import ClickHouse
from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

from trigger_tui.emulator.trql.functions import (
    DATE_UNITS,
    FUNCTIONS,
    IF_COMBINABLE,
    INTERVAL_FUNCS,
    PRETTY_FORMAT_TYPES,
    SPECIAL,
    UNSUPPORTED,
    Fn,
)
from trigger_tui.emulator.trql.schema import (
    RUNS,
    TABLES,
    TENANT_COLUMNS,
    Column,
    Table,
    friendly_status_value,
)

MAX_ROWS = 10_000
DEFAULT_PERIOD_S = 7 * 86400.0
MAX_PERIOD_S = 30 * 86400.0  # the Pro plan's queryPeriodDays, the real default
MAX_ALIAS_EXPANSIONS = 5_000
TOO_COMPLEX = "Query is too complex (maximum AST size exceeded)"

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # it warns when it falls back to Command


class TrqlError(Exception):
    """A query the real service rejects: 400 `{"error": message}`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """The time rules of one request (trql.md §1), in epoch seconds."""

    now: float
    fallback_from: float | None
    fallback_to: float | None
    range_from: float
    range_to: float
    max_from: float


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    columns: list[str]
    tables: frozenset[str]


def time_window(now: float, period_s: float | None, from_s: float | None,
                to_s: float | None) -> TimeWindow:
    """`period` wins over `from`/`to`; nothing given means the default 7-day period."""
    max_from = now - MAX_PERIOD_S
    if period_s is None and from_s is None and to_s is None:
        period_s = DEFAULT_PERIOD_S
    if period_s is not None:
        return TimeWindow(now, now - period_s, None, now - period_s, now, max_from)
    if from_s is not None and to_s is not None:
        return TimeWindow(now, from_s, to_s, from_s, to_s, max_from)
    if from_s is not None:
        return TimeWindow(now, from_s, None, from_s, now, max_from)
    assert to_s is not None
    return TimeWindow(now, None, to_s, to_s - DEFAULT_PERIOD_S, to_s, max_from)


# ---------------------------------------------------------------------- parsing
_SYNTAX_FUNCTIONS = frozenset({"CAST", "EXTRACT", "TRIM", "SUBSTRING", "POSITION"})


class _Trql(ClickHouse):
    """ClickHouse, but every call keeps the name the user typed (for validation and names)."""

    INDEX_OFFSET = 0  # array subscripts stay as written: both ClickHouse and DuckDB count from 1

    class Tokenizer(ClickHouse.Tokenizer):
        KEYWORDS = {**ClickHouse.Tokenizer.KEYWORDS, "=~": TokenType.RLIKE,
                    "~*": TokenType.IRLIKE, "=~*": TokenType.IRLIKE}

    class Parser(ClickHouse.Parser):  # type: ignore[misc,valid-type]
        FUNCTIONS: dict[str, Any] = {}
        FUNCTION_PARSERS = {k: v for k, v in ClickHouse.Parser.FUNCTION_PARSERS.items()
                            if k in _SYNTAX_FUNCTIONS}


_DIALECT = _Trql()
_STATEMENT_START = (TokenType.SELECT, TokenType.WITH, TokenType.L_PAREN)


def _position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return f"{line}:{column}"


def _syntax(text: str, token: Token | None, message: str) -> TrqlError:
    where = _position(text, token.start) if token is not None else _position(text, len(text))
    return TrqlError(f"Syntax error at line {where}: {message}")


def parse(text: str) -> exp.Expression:
    """Exactly one SELECT (or set of SELECTs), an optional trailing `;`, nothing else."""
    try:
        tokens = _DIALECT.tokenize(text)
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "unrecognised input"
        raise TrqlError(f"Syntax error at line 1:0: token recognition error: {detail}") from None
    expecting = "expecting {SELECT, WITH, '('}"
    if not tokens:
        raise _syntax(text, None, f"mismatched input '<EOF>' {expecting}")
    if tokens[0].token_type not in _STATEMENT_START:
        raise _syntax(text, tokens[0], f"mismatched input '{tokens[0].text}' {expecting}")
    for i, token in enumerate(tokens):
        if token.token_type == TokenType.SEMICOLON and i + 1 < len(tokens):
            extra = tokens[i + 1]
            raise _syntax(text, extra, f"extraneous input '{extra.text}' expecting <EOF>")
    try:
        statements = sqlglot.parse(text, read=_DIALECT)
    except ParseError as exc:
        raise _parse_error(exc) from None
    except Exception:
        raise TrqlError("Failed to parse SELECT query") from None
    nodes = [s for s in statements if s is not None]
    if len(nodes) != 1:
        raise TrqlError("Failed to parse SELECT query")
    node = nodes[0]
    while isinstance(node, exp.Subquery) and not node.alias and not node.args.get("limit"):
        node = node.this
    if not isinstance(node, exp.Select | exp.SetOperation):
        raise TrqlError(f"Expected SELECT query, got {type(node).__name__}")
    return node


def _parse_error(exc: ParseError) -> TrqlError:
    errors = exc.errors or [{}]
    first = errors[0]
    line = first.get("line") or 1
    highlight = first.get("highlight") or ""
    column = max(0, (first.get("col") or 0) - len(highlight))
    description = first.get("description") or "Invalid expression"
    near = f" near '{highlight}'" if highlight else ""
    return TrqlError(f"Syntax error at line {line}:{column}: {description}{near}")


# ---------------------------------------------------------------------- printing helpers
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ts(epoch: float) -> str:
    dt = datetime.fromtimestamp(epoch, tz=UTC)
    return f"TIMESTAMP '{dt.strftime('%Y-%m-%d %H:%M:%S')}.{dt.microsecond // 1000:03d}'"


def _interval_text(value: int, unit: str) -> str:
    return f"INTERVAL '{value} {unit.lower()}'"


@dataclass
class _Source:
    alias: str
    columns: dict[str, Column | None]
    table: Table | None = None


@dataclass
class _Scope:
    sources: list[_Source]
    aliases: dict[str, exp.Expression] = field(default_factory=dict)
    implicit: dict[str, exp.Expression] = field(default_factory=dict)
    laterals: list[str] = field(default_factory=list)
    lateral_refs: dict[str, str] = field(default_factory=dict)
    array_joined: dict[str, str] = field(default_factory=dict)

    def source(self, alias: str) -> _Source | None:
        return next((s for s in self.sources if s.alias == alias), None)

    @property
    def time_source(self) -> _Source | None:
        return next((s for s in self.sources if s.table is not None), None)

    def available(self) -> str:
        names = {c for s in self.sources for c in s.columns}
        return ", ".join(sorted(names))


@dataclass(frozen=True)
class _Ctx:
    scope: _Scope
    clause: str
    lambdas: frozenset[str] = frozenset()
    expanding: frozenset[str] = frozenset()
    in_agg: str | None = None


@dataclass(frozen=True)
class _Ref:
    """What a column reference resolved to."""

    sql: str
    column: Column | None = None
    path: tuple[str, ...] = ()
    alias_of: exp.Expression | None = None
    alias_name: str = ""


_BOOLEAN_NODES = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.And, exp.Or, exp.Not,
                  exp.In, exp.Like, exp.ILike, exp.Is, exp.Between, exp.RegexpLike,
                  exp.RegexpILike, exp.Boolean, exp.Exists, exp.Xor)
_COMPARE_OPS: dict[type[exp.Expression], str] = {
    exp.EQ: "=", exp.NEQ: "<>", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<="}
_ARITH_OPS: dict[type[exp.Expression], str] = {
    exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%", exp.IntDiv: "//"}
_IMPLICIT_NAMES: dict[type[exp.Expression], str] = {
    exp.Add: "plus", exp.Sub: "minus", exp.Mul: "multiply", exp.Div: "divide",
    exp.Mod: "modulo", exp.IntDiv: "intdiv", exp.EQ: "equals", exp.NEQ: "notequals",
    exp.GT: "greater", exp.GTE: "greaterorequals", exp.LT: "less", exp.LTE: "lessorequals",
    exp.And: "and", exp.Or: "or", exp.Not: "not", exp.Like: "like", exp.ILike: "ilike",
    exp.In: "in", exp.Neg: "negate", exp.DPipe: "concat", exp.If: "if", exp.Case: "multiif",
    exp.Cast: "cast", exp.Substring: "substring", exp.Trim: "trim", exp.StrPosition: "position",
    exp.Bracket: "arrayelement", exp.Array: "array", exp.Tuple: "tuple", exp.Is: "isnull",
    exp.Between: "between", exp.Interval: "interval", exp.Extract: "extract",
}
_CLAUSE_KEYS = frozenset({"expressions", "distinct", "from_", "joins", "where", "group",
                          "having", "order", "limit", "offset", "with_"})
_CLAUSE_ERRORS = {
    "prewhere": "PREWHERE is not supported. Use WHERE instead.",
    "settings": "SETTINGS is not supported",
    "format": "FORMAT is not supported",
    "windows": "Named windows (WINDOW … AS) are not supported",
    "qualify": "QUALIFY is not supported",
}


def _chain(node: exp.Expression) -> list[str | int] | None:
    """`a.b.c` as its parts, however sqlglot nested them (Column parts, then Dot)."""
    if isinstance(node, exp.Dot):
        head = _chain(node.this)
        tail = node.expression
        if head is None or not isinstance(tail, exp.Identifier):
            return None
        return [*head, tail.name]
    if isinstance(node, exp.Identifier):
        return [node.name]
    if not isinstance(node, exp.Column):
        return None
    parts: list[str | int] = []
    for key in ("catalog", "db", "table"):
        part = node.args.get(key)
        if part is not None:
            parts.append(part.name)
    this = node.this
    if isinstance(this, exp.Literal) and not this.is_string:
        parts.append(int(this.this))
    elif isinstance(this, exp.Identifier):
        parts.append(this.name)
    else:
        return None
    return parts


def _is_number(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        node = node.this
    return isinstance(node, exp.Literal) and not node.is_string


# ---------------------------------------------------------------------- the printer
class _Printer:
    def __init__(self, window: TimeWindow, envs: Sequence[str]) -> None:
        self.w = window
        self.envs = list(envs)
        self.ctes: list[dict[str, dict[str, Column | None]]] = []
        self.tables: set[str] = set()
        self._counter = 0
        self._expansions = 0

    def _fresh(self, prefix: str) -> str:
        self._counter += 1
        return f"_{prefix}{self._counter}"

    # ------------------------------------------------------------------ queries
    def query(self, node: exp.Expression, top: bool) -> tuple[str, list[str],
                                                              list[Column | None]]:
        if isinstance(node, exp.Subquery) and not node.alias:
            return self.query(node.this, top)
        if isinstance(node, exp.Select):
            return self.select(node, top)
        if isinstance(node, exp.SetOperation):
            return self.set_operation(node, top)
        raise TrqlError(f"Expected SELECT query, got {type(node).__name__}")

    def set_operation(self, node: exp.SetOperation, top: bool) -> tuple[
            str, list[str], list[Column | None]]:
        left, names, defs = self.query(node.this, top)
        right, right_names, _ = self.query(node.expression, top)
        if len(names) != len(right_names):
            raise TrqlError("Queries in UNION/INTERSECT/EXCEPT must have the same number of "
                            "columns")
        word = {exp.Union: "UNION", exp.Intersect: "INTERSECT", exp.Except: "EXCEPT"}[type(node)]
        if not node.args.get("distinct"):
            word += " ALL"
        sql = f"({left}) {word} ({right})"
        if node.args.get("order") is None and node.args.get("limit") is None and \
                node.args.get("offset") is None:
            return sql, names, defs
        # ORDER BY / LIMIT written after a set operation apply to its result columns.
        alias = self._fresh("set")
        ctx = _Ctx(_Scope([_Source(alias, dict(zip(names, defs, strict=True)))]), "order")
        order = node.args.get("order")
        order_sql = (" ORDER BY " + ", ".join(self.ordered(o, ctx) for o in order.expressions)
                     if order is not None else "")
        return f"SELECT * FROM ({sql}) AS {_q(alias)}{order_sql}{self._limit(node)}", names, defs

    def select(self, node: exp.Select, top: bool) -> tuple[str, list[str],
                                                            list[Column | None]]:
        for key, value in node.args.items():
            if key not in _CLAUSE_KEYS and value:
                raise TrqlError(_CLAUSE_ERRORS.get(key, f"{key.upper()} is not supported"))
        distinct = node.args.get("distinct")
        if distinct is not None and distinct.args.get("on") is not None:
            raise TrqlError("DISTINCT ON is not supported")
        self.ctes.append({})
        try:
            with_sql = self._with(node.args.get("with_"))
            scope = _Scope([])
            from_sql = self._from(node, scope, top)
            items = self._items(node, scope)
            ctx = _Ctx(scope, "select")
            select_sql, names, defs = self._select_list(items, ctx)
            where = node.args.get("where")
            where_sql = f" WHERE {self.cond(where.this, replace(ctx, clause='where'))}" \
                if where is not None else ""
            group_sql = self._group(node.args.get("group"), replace(ctx, clause="group"))
            having = node.args.get("having")
            having_sql = f" HAVING {self.cond(having.this, replace(ctx, clause='having'))}" \
                if having is not None else ""
            order = node.args.get("order")
            order_ctx = replace(ctx, clause="order")
            order_sql = (" ORDER BY " + ", ".join(self.ordered(o, order_ctx)
                                                  for o in order.expressions)
                         if order is not None else "")
            limit_sql = self._limit(node, top)
        finally:
            self.ctes.pop()
        if scope.laterals:
            from_sql = (f"{from_sql}, {', '.join(scope.laterals)}" if from_sql
                        else " FROM " + ", ".join(scope.laterals))
        head = "SELECT DISTINCT " if distinct is not None else "SELECT "
        sql = (f"{with_sql}{head}{select_sql}{from_sql}{where_sql}{group_sql}{having_sql}"
               f"{order_sql}{limit_sql}")
        return sql, names, defs

    def _with(self, node: exp.With | None) -> str:
        if node is None:
            return ""
        if node.args.get("recursive"):
            raise TrqlError("WITH RECURSIVE is not supported")
        parts = []
        for cte in node.expressions:
            if not isinstance(cte, exp.CTE) or not cte.alias:
                raise TrqlError("Only `WITH name AS (SELECT …)` is supported")
            if isinstance(cte.args.get("alias"), exp.TableAlias) and cte.args["alias"].columns:
                raise TrqlError("Column lists on WITH are not supported")
            sql, names, defs = self.query(cte.this, top=False)
            self.ctes[-1][cte.alias] = dict(zip(names, defs, strict=True))
            parts.append(f"{_q(cte.alias)} AS ({sql})")
        return "WITH " + ", ".join(parts) + " "

    def _cte(self, name: str) -> dict[str, Column | None] | None:
        for frame in reversed(self.ctes):
            if name in frame:
                return frame[name]
        return None

    # ------------------------------------------------------------------ FROM / JOIN
    def _from(self, node: exp.Select, scope: _Scope, top: bool) -> str:
        from_ = node.args.get("from_")
        joins = node.args.get("joins") or []
        if from_ is None:
            if joins:
                raise TrqlError("Using ARRAY JOIN without a FROM clause is not permitted")
            return ""
        where = node.args.get("where")
        sql, source = self._source(from_.this, fallback_where=where if top else None,
                                   fallback=top)
        scope.sources.append(source)
        out = f" FROM {sql}"
        for join in joins:
            if join.args.get("kind") == "ARRAY":
                out += self._array_join(join, scope)
            else:
                out += self._join(join, scope)
        return out

    def _join(self, join: exp.Join, scope: _Scope) -> str:
        side = join.args.get("side") or ""
        kind = join.args.get("kind") or ""
        if join.args.get("method") or kind not in ("", "INNER", "CROSS", "OUTER"):
            raise TrqlError(f"{kind or join.args.get('method')} JOIN is not supported")
        if join.args.get("strictness") or join.args.get("global_"):
            raise TrqlError("JOIN strictness (ANY/ALL/ASOF) is not supported")
        sql, source = self._source(join.this, fallback_where=None, fallback=False)
        scope.sources.append(source)
        on, using = join.args.get("on"), join.args.get("using")
        if on is None and not using and not side and kind != "INNER":
            return f" CROSS JOIN {sql}"
        word = " ".join(p for p in (side, "JOIN") if p)
        if on is not None:
            return f" {word} {sql} ON {self.cond(on, _Ctx(scope, 'join'))}"
        if using:
            return f" {word} {sql} USING (" + ", ".join(_q(u.name) for u in using) + ")"
        return f" {word} {sql} ON TRUE"

    def _array_join(self, join: exp.Join, scope: _Scope) -> str:
        if join.args.get("side"):
            raise TrqlError("LEFT ARRAY JOIN is not supported")
        target = join.this
        alias = target.alias if isinstance(target, exp.Alias) else None
        expr_node = target.this if isinstance(target, exp.Alias) else target
        chain = _chain(expr_node)
        name = alias or (str(chain[-1]) if chain else None)
        if not name:
            raise TrqlError("ARRAY JOIN needs a column or an alias")
        sql = self.x(expr_node, _Ctx(scope, "join"))
        lateral = self._fresh("aj")
        scope.array_joined[name] = f'{_q(lateral)}."v"'
        return f", unnest({sql}) AS {_q(lateral)}(\"v\")"

    def _source(self, node: exp.Expression, *, fallback_where: exp.Expression | None,
                fallback: bool) -> tuple[str, _Source]:
        if isinstance(node, exp.Final):
            raise TrqlError("FINAL is not supported")
        if isinstance(node, exp.Table):
            return self._table(node, fallback_where, fallback)
        if isinstance(node, exp.Subquery):
            if node.args.get("sample"):
                raise TrqlError("SAMPLE is not supported")
            sql, names, defs = self.query(node.this, top=False)
            alias = node.alias or self._fresh("subquery")
            if isinstance(node.args.get("alias"), exp.TableAlias) and node.args["alias"].columns:
                raise TrqlError("Column lists on subquery aliases are not supported")
            return f"({sql}) AS {_q(alias)}", _Source(alias, dict(zip(names, defs, strict=True)))
        raise TrqlError(f"Unsupported FROM source: {type(node).__name__}")

    def _table(self, node: exp.Table, fallback_where: exp.Expression | None,
               fallback: bool) -> tuple[str, _Source]:
        if node.args.get("sample"):
            raise TrqlError("SAMPLE is not supported")
        if not isinstance(node.this, exp.Identifier):
            name = node.this.name if isinstance(node.this, exp.Func) else node.sql()
            raise self._inaccessible(name)
        name = ".".join(p.name for p in (node.args.get("catalog"), node.args.get("db"),
                                         node.this) if p is not None)
        alias = node.alias or node.this.name
        if isinstance(node.args.get("alias"), exp.TableAlias) and node.args["alias"].columns:
            raise TrqlError("Column lists on table aliases are not supported")
        cte = self._cte(name)
        if cte is not None:
            return f"{_q(name)} AS {_q(alias)}", _Source(alias, dict(cte))
        table = TABLES.get(name)
        if table is None:
            raise self._inaccessible(name)
        self.tables.add(table.name)
        apply = fallback and not _references(fallback_where, table.time_column)
        columns: dict[str, Column | None] = {c.name: c for c in table.columns}
        return self._table_sql(table, alias, apply), _Source(alias, columns, table)

    @staticmethod
    def _inaccessible(name: str) -> TrqlError:
        return TrqlError(f'Table "{name}" is not accessible. Available tables: '
                         f'{", ".join(TABLES)}')

    def _table_sql(self, table: Table, alias: str, fallback: bool) -> str:
        time_col = _q(table.time_column)
        conds = [f"{time_col} >= {_ts(self.w.max_from)}"]
        columns = [_q(c.name) for c in table.columns]
        if table.tenant_scoped:
            conds.insert(0, "environment IN (" + ", ".join(_lit(e) for e in self.envs) + ")")
            columns.extend(_q(t) for t in TENANT_COLUMNS)
        if fallback and self.w.fallback_from is not None:
            conds.append(f"{time_col} >= {_ts(self.w.fallback_from)}")
        if fallback and self.w.fallback_to is not None:
            conds.append(f"{time_col} <= {_ts(self.w.fallback_to)}")
        return (f"(SELECT {', '.join(columns)} FROM trql_{table.name} "
                f"WHERE {' AND '.join(conds)}) AS {_q(alias)}")

    # ------------------------------------------------------------------ SELECT list
    def _items(self, node: exp.Select, scope: _Scope) -> list[tuple[str, exp.Expression]]:
        items: list[tuple[str, exp.Expression]] = []
        for e in node.expressions:
            if isinstance(e, exp.Star):
                items.extend(self._star(scope, None, e))
            elif isinstance(e, exp.Column) and isinstance(e.this, exp.Star):
                items.extend(self._star(scope, e.table, e.this))
            elif isinstance(e, exp.Alias):
                items.append((e.alias, e.this))
                scope.aliases[e.alias] = e.this
            else:
                name = self._output_name(e, scope)
                items.append((name, e))
                scope.implicit.setdefault(name.lower(), e)
        if not items:
            raise TrqlError("SELECT needs at least one column")
        return items

    def _star(self, scope: _Scope, table: str | None,
              star: exp.Star) -> list[tuple[str, exp.Expression]]:
        sources = scope.sources if table is None else [s for s in scope.sources
                                                       if s.alias == table]
        if table is not None and not sources:
            raise TrqlError(f'Unknown table "{table}"')
        if not scope.sources:
            raise TrqlError("SELECT * needs a FROM clause")
        excluded = {c.name for c in star.args.get("except_") or []}
        out: list[tuple[str, exp.Expression]] = []
        for source in sources:
            names = source.table.core_columns if source.table is not None else list(
                source.columns)
            for name in names:
                if name not in excluded:
                    out.append((name, exp.column(name, table=source.alias, quoted=True)))
        return out

    def _output_name(self, node: exp.Expression, scope: _Scope) -> str:
        if isinstance(node, exp.Paren):
            return self._output_name(node.this, scope)
        chain = _chain(node) if isinstance(node, exp.Column | exp.Dot) else None
        if chain:
            if len(chain) >= 2 and isinstance(chain[0], str) and scope.source(chain[0]):
                chain = chain[1:]
            return "_".join(str(p) for p in chain if isinstance(p, str)) or str(chain[-1])
        if isinstance(node, exp.Func) and isinstance(node.this, str):
            if node.this.lower() == "prettyformat" and node.expressions:
                return self._output_name(node.expressions[0], scope)
            return node.this.lower()
        if isinstance(node, exp.Window):
            return self._output_name(node.this, scope)
        if isinstance(node, exp.Literal):
            return str(node.this) or "''"
        if isinstance(node, exp.Boolean):
            return "true" if node.this else "false"
        if isinstance(node, exp.Null):
            return "NULL"
        for kind, name in _IMPLICIT_NAMES.items():
            if isinstance(node, kind):
                return name
        try:
            return node.sql(dialect=_DIALECT)
        except Exception:
            return type(node).__name__.lower()

    def _select_list(self, items: list[tuple[str, exp.Expression]],
                     ctx: _Ctx) -> tuple[str, list[str], list[Column | None]]:
        printed: dict[str, str] = {}
        parts, names, defs = [], [], []
        for name, node in items:
            expanding = ctx.expanding | {name} if ctx.scope.aliases.get(name) is node else \
                ctx.expanding
            sql = self.item(node, replace(ctx, expanding=expanding))
            if name in printed and printed[name] != sql:
                raise TrqlError(f"Different expressions with the same alias {name}")
            printed[name] = sql
            parts.append(f"{sql} AS {_q(name)}")
            names.append(name)
            defs.append(self._column_def(node, ctx))
        return ", ".join(parts), names, defs

    def _column_def(self, node: exp.Expression, ctx: _Ctx) -> Column | None:
        """A bare column keeps its schema, so JSON dot access still works one query up."""
        if not isinstance(node, exp.Column | exp.Dot):
            return None
        try:
            ref = self._resolve(node, ctx)
        except TrqlError:
            return None
        return ref.column if not ref.path else None

    def _group(self, node: exp.Group | None, ctx: _Ctx) -> str:
        if node is None:
            return ""
        if node.args.get("totals"):
            raise TrqlError("WITH TOTALS is not supported")
        exprs = [self.item(e, ctx) for e in node.expressions]
        if node.args.get("rollup"):
            return f" GROUP BY ROLLUP ({', '.join(exprs)})"
        if node.args.get("cube"):
            return f" GROUP BY CUBE ({', '.join(exprs)})"
        if node.args.get("grouping_sets"):
            raise TrqlError("GROUPING SETS is not supported")
        return " GROUP BY " + ", ".join(exprs) if exprs else ""

    def ordered(self, node: exp.Expression, ctx: _Ctx) -> str:
        if not isinstance(node, exp.Ordered):
            return self.item(node, ctx)
        if node.args.get("with_fill"):
            raise TrqlError("WITH FILL is not supported")
        direction = "DESC" if node.args.get("desc") else "ASC"
        nulls = "FIRST" if node.args.get("nulls_first") else "LAST"
        return f"{self.item(node.this, ctx)} {direction} NULLS {nulls}"

    def _limit(self, node: exp.Expression, top: bool = False) -> str:
        limit = node.args.get("limit")
        offset = node.args.get("offset")
        out = ""
        if limit is not None:
            if limit.expressions:
                raise TrqlError("LIMIT … BY is not supported")
            options = limit.args.get("limit_options")
            if options is not None and (options.args.get("with_ties")
                                        or options.args.get("percent")):
                raise TrqlError("LIMIT … WITH TIES is not supported")
            count = self._int(limit.expression, "LIMIT")
            out = f" LIMIT {min(count, MAX_ROWS) if top else count}"
        elif top:
            out = f" LIMIT {MAX_ROWS}"
        if offset is not None:
            out += f" OFFSET {self._int(offset.expression, 'OFFSET')}"
        return out

    @staticmethod
    def _int(node: exp.Expression | None, what: str) -> int:
        if isinstance(node, exp.Literal) and not node.is_string:
            try:
                value = int(node.this)
            except ValueError:
                value = -1
            if value >= 0:
                return value
        raise TrqlError(f"{what} must be a non-negative integer")

    # ------------------------------------------------------------------ expressions
    def item(self, node: exp.Expression, ctx: _Ctx) -> str:
        """A SELECT/GROUP BY/ORDER BY item: a bare JSON sub-field keeps its JSON type."""
        return self.x(node, ctx, "json")

    def cond(self, node: exp.Expression, ctx: _Ctx) -> str:
        sql = self.x(node, ctx)
        inner = node
        while isinstance(inner, exp.Paren):
            inner = inner.this
        return sql if isinstance(inner, _BOOLEAN_NODES) else f"CAST({sql} AS BOOLEAN)"

    def x(self, node: exp.Expression, ctx: _Ctx, want: str = "auto") -> str:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            for kind, candidate in _HANDLERS.items():
                if isinstance(node, kind):
                    handler = candidate
                    break
        if handler is None:
            raise TrqlError(f"Unsupported syntax: {_describe(node)}")
        return handler(self, node, ctx, want)

    def _paren(self, node: exp.Paren, ctx: _Ctx, want: str) -> str:
        return f"({self.x(node.this, ctx, want)})"

    def _literal(self, node: exp.Literal, ctx: _Ctx, want: str) -> str:
        if node.is_string:
            return _lit(node.this)
        text = str(node.this)
        if re.fullmatch(r"\d+", text):
            return text
        try:
            value = float(text)
        except ValueError:
            raise TrqlError(f"Invalid number: {text}") from None
        if not math.isfinite(value):
            raise TrqlError(f"Invalid number: {text}")
        return f"CAST({value!r} AS DOUBLE)"

    def _hex(self, node: exp.HexString, ctx: _Ctx, want: str) -> str:
        return str(int(str(node.this), 16))

    def _boolean(self, node: exp.Boolean, ctx: _Ctx, want: str) -> str:
        return "TRUE" if node.this else "FALSE"

    def _null(self, node: exp.Null, ctx: _Ctx, want: str) -> str:
        return "NULL"

    def _star_expr(self, node: exp.Star, ctx: _Ctx, want: str) -> str:
        raise TrqlError("* is only allowed as a SELECT item or in count(*)")

    def _column(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        ref = self._resolve(node, ctx)
        if ref.alias_of is not None:
            self._expansions += 1  # aliases of aliases of … grow exponentially: cap them
            if self._expansions > MAX_ALIAS_EXPANSIONS:
                raise TrqlError(TOO_COMPLEX)
            return self.x(ref.alias_of, replace(ctx, expanding=ctx.expanding | {ref.alias_name}),
                          want)
        if not ref.path:
            return ref.sql
        assert ref.column is not None
        if ref.column.is_map:
            if len(ref.path) != 1:
                raise TrqlError(f'Map column "{ref.column.name}" has no nested keys')
            return f"{ref.sql}[{_lit(ref.path[0])}]"
        return _json_path(ref.sql, ref.path, want)

    def _resolve(self, node: exp.Expression, ctx: _Ctx) -> _Ref:
        chain = _chain(node)
        if not chain or any(isinstance(p, int) for p in chain):
            raise TrqlError(f"Unsupported syntax: {_describe(node)}")
        names = [str(p) for p in chain]
        scope = ctx.scope
        first = names[0]
        if len(names) == 1 and first in ctx.lambdas:
            return _Ref(_q(first))
        if len(names) >= 2:
            source = scope.source(first)
            if source is not None:
                return self._source_column(source, names[1], names[2:], ctx)
        if len(names) == 1:
            if first in scope.array_joined:
                return _Ref(scope.array_joined[first])
            alias = scope.aliases.get(first)
            if alias is not None and first not in ctx.expanding:
                return _Ref("", alias_of=alias, alias_name=first)
        for source in scope.sources:
            if first in source.columns:
                return self._source_column(source, first, names[1:], ctx)
        if len(names) == 1:
            lowered = first.lower()
            for name, alias in scope.aliases.items():
                if name.lower() == lowered and name not in ctx.expanding:
                    return _Ref("", alias_of=alias, alias_name=name)
            implicit = scope.implicit.get(lowered)
            if implicit is not None and lowered not in ctx.expanding:
                return _Ref("", alias_of=implicit, alias_name=lowered)
        if first in TENANT_COLUMNS:
            tenant = next((s for s in scope.sources
                           if s.table is not None and s.table.tenant_scoped), None)
            if tenant is not None:
                return self._tenant(tenant, first, ctx)
        hint = _clickhouse_hint(scope, first)
        if hint:
            raise TrqlError(f'Unknown column "{first}". Did you mean "{hint}"?')
        if not scope.sources:
            raise TrqlError(f'Unknown column "{first}"')
        raise TrqlError(f'Unknown column "{first}". Available columns: {scope.available()}')

    def _source_column(self, source: _Source, name: str, path: list[str],
                       ctx: _Ctx) -> _Ref:
        ref = f"{_q(source.alias)}.{_q(name)}"
        if name not in source.columns:
            if name in TENANT_COLUMNS and source.table is not None and \
                    source.table.tenant_scoped:
                return self._tenant(source, name, ctx)
            hint = _clickhouse_hint(_Scope([source]), name)
            if hint:
                raise TrqlError(f'Unknown column "{name}". Did you mean "{hint}"?')
            available = ", ".join(sorted(source.columns))
            raise TrqlError(f'Unknown column "{name}" on table "{source.alias}". '
                            f"Available columns: {available}")
        column = source.columns[name]
        if path and (column is None or not (column.is_json or column.is_map)):
            raise TrqlError(f'Unknown column "{".".join([name, *path])}". Available columns: '
                            f"{ctx.scope.available()}")
        return _Ref(ref, column, tuple(path))

    def _tenant(self, source: _Source, name: str, ctx: _Ctx) -> _Ref:
        """Tenant columns may filter (WHERE/ON) but never be read: they are internal ids."""
        if ctx.clause in ("where", "join"):
            return _Ref(f"{_q(source.alias)}.{_q(name)}")
        raise TrqlError(f'Column "{name}" is not available for querying. Available columns: '
                        f"{ctx.scope.available()}")

    def _json_ref(self, node: exp.Expression, ctx: _Ctx) -> _Ref | None:
        """The whole-JSON-column reference `node` is, if it is one (for NULL rewriting)."""
        while isinstance(node, exp.Paren):
            node = node.this
        if not isinstance(node, exp.Column | exp.Dot):
            return None
        try:
            ref = self._resolve(node, ctx)
        except TrqlError:
            return None
        if ref.alias_of is None and not ref.path and ref.column is not None and \
                ref.column.is_json:
            return ref
        return None

    def _is_status(self, node: exp.Expression, ctx: _Ctx) -> bool:
        if not isinstance(node, exp.Column):
            return False
        try:
            ref = self._resolve(node, ctx)
        except TrqlError:
            return False
        return ref.column is RUNS.by_name["status"] and not ref.path

    def _status_literal(self, node: exp.Expression, status: bool) -> exp.Expression:
        if status and isinstance(node, exp.Literal) and node.is_string:
            return exp.Literal.string(friendly_status_value(node.this))
        return node

    # comparisons -----------------------------------------------------------
    def _compare(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        op = _COMPARE_OPS[type(node)]
        left, right = node.this, node.expression
        if op in ("=", "<>") and (isinstance(right, exp.Null) or isinstance(left, exp.Null)):
            other = left if isinstance(right, exp.Null) else right
            return self._null_check(other, ctx, negate=op == "<>")
        left = self._status_literal(left, self._is_status(right, ctx))
        right = self._status_literal(right, self._is_status(left, ctx))
        left_sql = self.x(left, ctx, "number" if _is_number(right) else "auto")
        right_sql = self.x(right, ctx, "number" if _is_number(left) else "auto")
        return f"({left_sql} {op} {right_sql})"

    def _null_check(self, node: exp.Expression, ctx: _Ctx, negate: bool) -> str:
        json_ref = self._json_ref(node, ctx)
        if json_ref is not None:  # an absent JSON value is stored as '{}' (trql.md §2.1)
            return f"(CAST({json_ref.sql} AS VARCHAR) {'<>' if negate else '='} '{{}}')"
        return f"({self.x(node, ctx)} IS {'NOT ' if negate else ''}NULL)"

    def _is(self, node: exp.Is, ctx: _Ctx, want: str) -> str:
        if isinstance(node.expression, exp.Null):
            return self._null_check(node.this, ctx, negate=False)
        if isinstance(node.expression, exp.Boolean):
            return f"({self.cond(node.this, ctx)} IS {self.x(node.expression, ctx)})"
        raise TrqlError("IS must be followed by NULL, NOT NULL, TRUE or FALSE")

    def _not(self, node: exp.Not, ctx: _Ctx, want: str) -> str:
        inner = node.this
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            return self._null_check(inner.this, ctx, negate=True)
        return f"(NOT {self.cond(inner, ctx)})"

    def _logic(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        word = "AND" if isinstance(node, exp.And) else "OR"
        return f"({self.cond(node.this, ctx)} {word} {self.cond(node.expression, ctx)})"

    def _xor(self, node: exp.Xor, ctx: _Ctx, want: str) -> str:
        return f"({self.cond(node.this, ctx)} <> {self.cond(node.expression, ctx)})"

    def _in(self, node: exp.In, ctx: _Ctx, want: str) -> str:
        status = self._is_status(node.this, ctx)
        subject = self.x(node.this, ctx)
        query = node.args.get("query")
        if query is not None:
            sql, _, _ = self.query(query.this if isinstance(query, exp.Subquery) else query,
                                   top=False)
            return f"({subject} IN ({sql}))"
        if node.args.get("field") is not None or node.args.get("unnest") is not None:
            raise TrqlError("IN needs a list of values or a subquery")
        values = [self.x(self._status_literal(v, status), ctx) for v in node.expressions]
        if not values:
            return "FALSE"
        return f"({subject} IN ({', '.join(values)}))"

    def _between(self, node: exp.Between, ctx: _Ctx, want: str) -> str:
        return (f"({self.x(node.this, ctx)} BETWEEN {self.x(node.args['low'], ctx)} "
                f"AND {self.x(node.args['high'], ctx)})")

    def _like(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        if node.args.get("escape"):
            raise TrqlError("LIKE … ESCAPE is not supported")
        word = "ILIKE" if isinstance(node, exp.ILike) else "LIKE"
        if node.args.get("negate"):
            word = "NOT " + word
        # ClickHouse treats backslash as the escape in LIKE patterns (`\%`, `\_`, `\\`).
        return f"({self.x(node.this, ctx)} {word} {self.x(node.expression, ctx)} ESCAPE '\\')"

    def _regexp(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        flags = ", 'i'" if isinstance(node, exp.RegexpILike) else ""
        return f"regexp_matches({self.x(node.this, ctx)}, {self.x(node.expression, ctx)}{flags})"

    # arithmetic ------------------------------------------------------------
    def _arith(self, node: exp.Expression, ctx: _Ctx, want: str) -> str:
        op = _ARITH_OPS[type(node)]
        return f"({self.x(node.this, ctx, 'number')} {op} {self.x(node.expression, ctx, 'number')})"

    def _neg(self, node: exp.Neg, ctx: _Ctx, want: str) -> str:
        return f"(-{self.x(node.this, ctx, 'number')})"

    def _concat(self, node: exp.DPipe, ctx: _Ctx, want: str) -> str:
        return (f"(CAST({self.x(node.this, ctx)} AS VARCHAR) || "
                f"CAST({self.x(node.expression, ctx)} AS VARCHAR))")

    # conditionals and casts ------------------------------------------------
    def _case(self, node: exp.Case, ctx: _Ctx, want: str) -> str:
        base = node.this
        parts = ["CASE"]
        if base is not None:
            parts.append(self.x(base, ctx))
        for branch in node.args.get("ifs") or []:
            when = self.x(branch.this, ctx) if base is not None else self.cond(branch.this, ctx)
            parts.append(f"WHEN {when} THEN {self.x(branch.args['true'], ctx)}")
        default = node.args.get("default")
        if default is not None:
            parts.append(f"ELSE {self.x(default, ctx)}")
        parts.append("END")
        return "(" + " ".join(parts) + ")"

    def _if(self, node: exp.If, ctx: _Ctx, want: str) -> str:
        false = node.args.get("false")
        otherwise = self.x(false, ctx) if false is not None else "NULL"
        return (f"(CASE WHEN {self.cond(node.this, ctx)} THEN {self.x(node.args['true'], ctx)} "
                f"ELSE {otherwise} END)")

    def _cast(self, node: exp.Cast, ctx: _Ctx, want: str) -> str:
        return f"CAST({self.x(node.this, ctx)} AS {_duck_type(node.args['to'])})"

    def _cast_str(self, node: exp.CastToStrType, ctx: _Ctx, want: str) -> str:
        target = node.args["to"]
        if not (isinstance(target, exp.Literal) and target.is_string):
            raise TrqlError("CAST(x, 'Type') needs a type name string")
        try:
            data_type = exp.DataType.build(target.this, dialect="clickhouse")
        except Exception:
            raise TrqlError(f"Unknown data type: {target.this}") from None
        return f"CAST({self.x(node.this, ctx)} AS {_duck_type(data_type)})"

    def _interval(self, node: exp.Interval, ctx: _Ctx, want: str) -> str:
        unit = node.args.get("unit")
        value = node.this
        if unit is None:
            if isinstance(value, exp.Literal) and value.is_string:
                return f"CAST({_lit(value.this)} AS INTERVAL)"
            raise TrqlError("INTERVAL needs a unit")
        name = _unit_name(unit.name)
        amount = self.x(value, ctx, "number")
        if name == "quarter":
            return f"to_months(3 * CAST({amount} AS BIGINT))"
        fn = INTERVAL_FUNCS.get(name) or f"to_{name}s"
        return f"{fn}(CAST({amount} AS BIGINT))"

    # collections -------------------------------------------------------------
    def _array(self, node: exp.Array, ctx: _Ctx, want: str) -> str:
        return "[" + ", ".join(self.x(e, ctx) for e in node.expressions) + "]"

    def _tuple(self, node: exp.Tuple, ctx: _Ctx, want: str) -> str:
        return "(" + ", ".join(self.x(e, ctx) for e in node.expressions) + ")"

    def _bracket(self, node: exp.Bracket, ctx: _Ctx, want: str) -> str:
        if len(node.expressions) != 1:
            raise TrqlError("Array subscripts take exactly one index")
        target = self.x(node.this, ctx)
        index = self.x(node.expressions[0], ctx)
        return f"({target})[{index}]"

    def _lambda(self, node: exp.Lambda, ctx: _Ctx, want: str) -> str:
        params = [p.name for p in node.expressions]
        if not params:
            raise TrqlError("Lambdas require at least one argument")
        inner = replace(ctx, lambdas=ctx.lambdas | set(params))
        return f"(lambda {', '.join(_q(p) for p in params)}: {self.x(node.this, inner)})"

    def _subquery(self, node: exp.Subquery, ctx: _Ctx, want: str) -> str:
        sql, _, _ = self.query(node.this, top=False)
        return f"({sql})"

    def _exists(self, node: exp.Exists, ctx: _Ctx, want: str) -> str:
        sql, _, _ = self.query(node.this, top=False)
        return f"(EXISTS ({sql}))"

    def _substring(self, node: exp.Substring, ctx: _Ctx, want: str) -> str:
        args = [self.x(node.this, ctx), self.x(node.args["start"], ctx)]
        if node.args.get("length") is not None:
            args.append(self.x(node.args["length"], ctx))
        return f"substring({', '.join(args)})"

    def _trim(self, node: exp.Trim, ctx: _Ctx, want: str) -> str:
        subject = self.x(node.this, ctx)
        chars = node.args.get("expression")
        position = (node.args.get("position") or "BOTH").upper()
        fn = {"LEADING": "ltrim", "TRAILING": "rtrim"}.get(position, "trim")
        return f"{fn}({subject}, {self.x(chars, ctx)})" if chars is not None else \
            f"{fn}({subject})"

    def _strpos(self, node: exp.StrPosition, ctx: _Ctx, want: str) -> str:
        return f"strpos({self.x(node.this, ctx)}, {self.x(node.args['substr'], ctx)})"

    def _extract(self, node: exp.Extract, ctx: _Ctx, want: str) -> str:
        unit = _unit_name(node.this.name)
        return f"CAST(date_part({_lit(unit)}, {self.x(node.expression, ctx)}) AS BIGINT)"

    # windows -----------------------------------------------------------------
    def _window(self, node: exp.Window, ctx: _Ctx, want: str) -> str:
        if node.args.get("alias") is not None and not node.args.get("partition_by") and \
                node.args.get("order") is None and node.args.get("spec") is None:
            raise TrqlError("Named windows (OVER name) are not supported")
        func = self.x(node.this, replace(ctx, in_agg=None))
        parts = []
        partition = node.args.get("partition_by") or []
        if partition:
            parts.append("PARTITION BY " + ", ".join(self.x(p, ctx) for p in partition))
        order = node.args.get("order")
        if order is not None:
            parts.append("ORDER BY " + ", ".join(self.ordered(o, ctx) for o in order.expressions))
        spec = node.args.get("spec")
        if spec is not None:
            parts.append(self._frame(spec, ctx))
        return f"{func} OVER ({' '.join(parts)})"

    def _frame(self, spec: exp.WindowSpec, ctx: _Ctx) -> str:
        def bound(value: Any, side: Any) -> str:
            if isinstance(value, str):
                text = value.upper()
            elif isinstance(value, exp.Expression):
                text = self.x(value, ctx)
            else:
                raise TrqlError("Invalid window frame")
            return f"{text} {str(side).upper()}" if side and text != "CURRENT ROW" else text

        kind = str(spec.args.get("kind") or "ROWS").upper()
        start = bound(spec.args.get("start"), spec.args.get("start_side"))
        end = spec.args.get("end")
        if end is None:
            return f"{kind} {start}"
        return f"{kind} BETWEEN {start} AND {bound(end, spec.args.get('end_side'))}"

    # functions ---------------------------------------------------------------
    def _func(self, node: exp.Func, ctx: _Ctx, want: str) -> str:
        name = node.this if isinstance(node.this, str) else node.sql_name()
        lower = name.lower()
        if isinstance(node, exp.ParameterizedAgg | exp.CombinedParameterizedAgg):
            params, args = list(node.expressions), list(node.args.get("params") or [])
        else:
            params, args = [], list(node.expressions)
        if lower in SPECIAL:
            if params:
                raise TrqlError(f"Function '{name}' does not take parameters")
            return _SPECIALS[lower](self, name, args, ctx, want)
        fn = FUNCTIONS.get(lower)
        condition: exp.Expression | None = None
        if fn is None and lower.endswith("if") and lower[:-2] in IF_COMBINABLE:
            fn = FUNCTIONS[lower[:-2]]
            if not args:
                raise TrqlError(f"Aggregation '{name}' expects at least 1 argument, found 0")
            condition = args.pop()
        if fn is None:
            if lower in UNSUPPORTED:
                raise TrqlError(f"Function '{name}' is not supported by the emulator")
            raise TrqlError(f"Unknown function: {name}")
        return self._call(fn, name, args, params, condition, ctx)

    def _call(self, fn: Fn, name: str, args: list[exp.Expression], params: list[exp.Expression],
              condition: exp.Expression | None, ctx: _Ctx) -> str:
        distinct = bool(args) and isinstance(args[0], exp.Distinct)
        if distinct:
            if fn.name.lower() not in ("count", "sum", "avg", "uniq", "uniqexact"):
                raise TrqlError(f"DISTINCT is not supported in '{name}'")
            args = [*args[0].expressions, *args[1:]]
        count = len(args)
        term = "Aggregation" if fn.aggregate else "Function"
        _check_arity(term, name, count, fn.min_args, fn.max_args)
        low, high = fn.params
        if not low <= len(params) <= high:
            raise TrqlError(f"{term} '{name}' expects {low if low == high else f'{low}-{high}'} "
                            f"parameter(s), found {len(params)}")
        if fn.aggregate:
            if ctx.in_agg is not None:
                raise TrqlError(f"Aggregation '{name}' cannot be nested inside another "
                                f"aggregation '{ctx.in_agg}'")
            ctx = replace(ctx, in_agg=name)
        arg_want = "number" if fn.numeric else "auto"
        sql_args = ["*" if isinstance(a, exp.Star) else self.x(a, ctx, arg_want) for a in args]
        if any(isinstance(a, exp.Star) for a in args) and fn.name.lower() != "count":
            raise TrqlError(f"* is not a valid argument of '{name}'")
        if condition is not None:
            cond = self.cond(condition, ctx)
            sql_args = [f"(CASE WHEN {cond} THEN {a} END)" for a in sql_args if a != "*"] or \
                [f"(CASE WHEN {cond} THEN 1 END)"]
        if distinct:
            sql_args[0] = "DISTINCT " + sql_args[0]
        return fn.render(sql_args, [_param(p) for p in params])


def _check_arity(term: str, name: str, count: int, low: int, high: int | None) -> None:
    def plural(n: int) -> str:
        return f"{n} argument{'s' if n != 1 else ''}"

    if low == high and count != low:
        raise TrqlError(f"{term} '{name}' expects {plural(low)}, found {count}")
    if count < low:
        raise TrqlError(f"{term} '{name}' expects at least {plural(low)}, found {count}")
    if high is not None and count > high:
        raise TrqlError(f"{term} '{name}' expects at most {plural(high)}, found {count}")


def _param(node: exp.Expression) -> str:
    negative = isinstance(node, exp.Neg)
    inner = node.this if negative else node
    if isinstance(inner, exp.Literal):
        if inner.is_string:
            return _lit(inner.this)
        try:
            value = float(inner.this)
        except ValueError:
            raise TrqlError(f"Invalid parameter: {inner.this}") from None
        text = str(int(value)) if value.is_integer() and "." not in str(inner.this) else \
            repr(value)
        return ("-" if negative else "") + text
    raise TrqlError("Aggregate parameters must be literals")


def _unit_name(text: str) -> str:
    unit = text.strip().lower()
    if unit.endswith("s") and unit[:-1] in DATE_UNITS:
        unit = unit[:-1]
    if unit not in DATE_UNITS:
        raise TrqlError(f"Invalid unit: '{text}'")
    return unit


def _unit_arg(node: exp.Expression) -> str:
    if isinstance(node, exp.Literal) and node.is_string:
        return _unit_name(node.this)
    chain = _chain(node) if isinstance(node, exp.Column | exp.Var) else None
    if isinstance(node, exp.Var):
        return _unit_name(node.name)
    if chain and len(chain) == 1:
        return _unit_name(str(chain[0]))
    raise TrqlError("The unit must be a string such as 'minute'")


def _json_path(column_sql: str, path: Sequence[str], want: str) -> str:
    for key in path:
        if '"' in key or "\\" in key:
            raise TrqlError(f"Invalid JSON key: {key}")
    json_path = _lit("$." + ".".join(f'"{key}"' for key in path))
    if want == "json":
        return f"json_extract({column_sql}, {json_path})"
    text = f"json_extract_string({column_sql}, {json_path})"
    if want == "number":
        return f"TRY_CAST({text} AS DOUBLE)"
    return text


def _json_key_path(printer: _Printer, name: str, args: list[exp.Expression]) -> str:
    """JSONExtract*(json, 'a', 'b', 1): the keys (and 1-based indexes) as a JSON path."""
    parts = ["$"]
    for arg in args:
        negative = isinstance(arg, exp.Neg)
        inner = arg.this if negative else arg
        if isinstance(inner, exp.Literal) and inner.is_string and not negative:
            if '"' in inner.this:
                raise TrqlError(f"Invalid JSON key: {inner.this}")
            parts.append(f'."{inner.this}"')
        elif isinstance(inner, exp.Literal) and re.fullmatch(r"\d+", str(inner.this)):
            index = int(inner.this)
            parts.append(f"[#-{index}]" if negative else f"[{index - 1}]")
        else:
            raise TrqlError(f"{name}() keys must be string or integer literals")
    return _lit("".join(parts))


def _describe(node: exp.Expression) -> str:
    try:
        return node.sql(dialect=_DIALECT)[:120] or type(node).__name__
    except Exception:
        return type(node).__name__


def _clickhouse_hint(scope: _Scope, name: str) -> str | None:
    for source in scope.sources:
        if source.table is None:
            continue
        for tsql, column in source.table.by_name.items():
            if column.clickhouse_name == name:
                return tsql
    return None


def _references(node: exp.Expression | None, column: str) -> bool:
    """Whether the top-level WHERE filters `column` (the real `isColumnReferencedInExpression`).

    Like the real service it looks through AND/OR/NOT and comparisons only, not into function
    calls: `WHERE toDate(triggered_at) = today()` still gets the fallback window.
    """
    if node is None:
        return False
    if isinstance(node, exp.Where | exp.Paren | exp.Not):
        return _references(node.this, column)
    if isinstance(node, _REFERENCE_NODES):
        return _references(node.this, column) or _references(node.expression, column)
    if isinstance(node, exp.In | exp.Between):
        return _references(node.this, column)
    if isinstance(node, exp.Column | exp.Dot):
        chain = _chain(node) or []
        return column in [str(p) for p in chain]
    return False


_REFERENCE_NODES = (*_COMPARE_OPS, exp.And, exp.Or, exp.Xor, exp.Like, exp.ILike, exp.Is,
                    exp.RegexpLike, exp.RegexpILike)


_DT = exp.DataType.Type
_DUCK_TYPES: dict[Any, str] = {
    _DT.TEXT: "VARCHAR", _DT.VARCHAR: "VARCHAR", _DT.CHAR: "VARCHAR", _DT.FIXEDSTRING: "VARCHAR",
    _DT.ENUM: "VARCHAR", _DT.ENUM8: "VARCHAR", _DT.ENUM16: "VARCHAR",
    _DT.TINYINT: "TINYINT", _DT.SMALLINT: "SMALLINT", _DT.INT: "INTEGER", _DT.BIGINT: "BIGINT",
    _DT.INT128: "HUGEINT", _DT.INT256: "HUGEINT", _DT.UTINYINT: "UTINYINT",
    _DT.USMALLINT: "USMALLINT", _DT.UINT: "UINTEGER", _DT.UBIGINT: "UBIGINT",
    _DT.UINT128: "UHUGEINT", _DT.UINT256: "UHUGEINT", _DT.FLOAT: "FLOAT", _DT.DOUBLE: "DOUBLE",
    _DT.DATE: "DATE", _DT.DATE32: "DATE", _DT.DATETIME: "TIMESTAMP_S",
    _DT.DATETIME64: "TIMESTAMP", _DT.TIMESTAMP: "TIMESTAMP", _DT.BOOLEAN: "BOOLEAN",
    _DT.UUID: "UUID",
}


def _duck_type(data_type: exp.Expression) -> str:
    """A ClickHouse type of a CAST, as DuckDB spells it (Nullable/LowCardinality dropped)."""
    if not isinstance(data_type, exp.DataType):
        raise TrqlError("Invalid type in CAST")
    kind = data_type.this
    inner = data_type.expressions[0] if data_type.expressions else None
    if kind == _DT.LOWCARDINALITY:
        return _duck_type(inner) if isinstance(inner, exp.DataType) else "VARCHAR"
    if kind == _DT.ARRAY:
        return f"{_duck_type(inner) if isinstance(inner, exp.DataType) else 'VARCHAR'}[]"
    if kind == _DT.DECIMAL:
        params = [p.sql() for p in data_type.expressions]
        return f"DECIMAL({', '.join(params)})" if params else "DECIMAL(18, 3)"
    if kind in _DUCK_TYPES:
        return _DUCK_TYPES[kind]
    raise TrqlError(f"CAST to {data_type.sql(dialect='clickhouse')} is not supported")


# ---------------------------------------------------------------------- special functions
Special = Callable[[_Printer, str, list[exp.Expression], _Ctx, str], str]


def _time_bucket(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
                 want: str) -> str:
    if args:
        raise TrqlError("timeBucket() does not accept arguments. It automatically uses the "
                        "table's time constraint column.")
    source = ctx.scope.time_source
    if source is None or source.table is None:
        raise TrqlError("timeBucket() needs a table with a time column in FROM")
    span = abs(p.w.range_to - p.w.range_from)
    value, unit = 1, "MONTH"
    for limit, n, u in source.table.thresholds:
        if span < limit:
            value, unit = n, u
            break
    column = f"{_q(source.alias)}.{_q(source.table.time_column)}"
    return f"time_bucket({_interval_text(value, unit)}, {column})"


def _pretty_format(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
                   want: str) -> str:
    if len(args) != 2:
        raise TrqlError(f"prettyFormat() requires exactly 2 arguments, found {len(args)}")
    kind = args[1]
    if not (isinstance(kind, exp.Literal) and kind.is_string):
        raise TrqlError("prettyFormat() second argument must be a string literal")
    if kind.this not in PRETTY_FORMAT_TYPES:
        raise TrqlError(f"Unknown format type '{kind.this}'. Valid types: "
                        f"{', '.join(PRETTY_FORMAT_TYPES)}")
    return p.x(args[0], ctx, want)


def _array_join_fn(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
                   want: str) -> str:
    _check_arity("Function", name, len(args), 1, 1)
    if ctx.in_agg is not None:
        raise TrqlError(f"arrayJoin cannot be used inside aggregation '{ctx.in_agg}'")
    sql = p.x(args[0], ctx)
    scope = ctx.scope
    if sql not in scope.lateral_refs:
        alias = p._fresh("aj")
        scope.laterals.append(f'unnest({sql}) AS {_q(alias)}("v")')
        scope.lateral_refs[sql] = f'{_q(alias)}."v"'
    return scope.lateral_refs[sql]


def _now(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx, want: str) -> str:
    lower = name.lower()
    if lower in ("today", "yesterday"):
        _check_arity("Function", name, len(args), 0, 0)
        day = datetime.fromtimestamp(p.w.now, tz=UTC).date()
        if lower == "yesterday":
            day -= timedelta(days=1)
        return f"DATE '{day.isoformat()}'"
    _check_arity("Function", name, len(args), 0, 1 if lower == "now" else 2)
    stamp = _ts(p.w.now)
    return f"CAST({stamp} AS TIMESTAMP_S)" if lower == "now" else stamp


def _to_start_of_interval(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
                          want: str) -> str:
    _check_arity("Function", name, len(args), 2, 4)
    return f"time_bucket({p.x(args[1], ctx)}, {p.x(args[0], ctx)})"


def _date_diff(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
               want: str) -> str:
    _check_arity("Function", name, len(args), 3, 4)
    unit = _unit_arg(args[0])
    return f"date_diff({_lit(unit)}, {p.x(args[1], ctx)}, {p.x(args[2], ctx)})"


def _date_add(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
              want: str) -> str:
    sign = "-" if "sub" in name.lower() else "+"
    if len(args) == 2:
        return f"({p.x(args[0], ctx)} {sign} {p.x(args[1], ctx)})"
    _check_arity("Function", name, len(args), 3, 3)
    unit = _unit_arg(args[0])
    amount = f"CAST({p.x(args[1], ctx, 'number')} AS BIGINT)"
    interval = f"to_months(3 * {amount})" if unit == "quarter" else \
        f"{INTERVAL_FUNCS.get(unit, f'to_{unit}s')}({amount})"
    return f"({p.x(args[2], ctx)} {sign} {interval})"


def _date_trunc(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx,
                want: str) -> str:
    _check_arity("Function", name, len(args), 2, 3)
    return f"date_trunc({_lit(_unit_arg(args[0]))}, {p.x(args[1], ctx)})"


def _json_fn(p: _Printer, name: str, args: list[exp.Expression], ctx: _Ctx, want: str) -> str:
    lower = name.lower()
    if lower == "tojsonstring":
        _check_arity("Function", name, len(args), 1, 1)
        return f"CAST(to_json({p.x(args[0], ctx)}) AS VARCHAR)"
    _check_arity("Function", name, len(args), 1, None)
    doc = p.x(args[0], ctx)
    path = _json_key_path(p, name, args[1:])
    if lower == "jsonhas":
        return f"json_exists({doc}, {path})"
    if lower == "jsonlength":
        return (f"(CASE json_type({doc}, {path}) WHEN 'ARRAY' THEN json_array_length({doc}, "
                f"{path}) WHEN 'OBJECT' THEN length(json_keys({doc}, {path})) ELSE 0 END)")
    if lower == "jsontype":
        return (f"(CASE json_type({doc}, {path}) WHEN 'VARCHAR' THEN 'String' WHEN 'ARRAY' "
                f"THEN 'Array' WHEN 'OBJECT' THEN 'Object' WHEN 'BIGINT' THEN 'Int64' WHEN "
                f"'UBIGINT' THEN 'UInt64' WHEN 'DOUBLE' THEN 'Double' WHEN 'BOOLEAN' THEN 'Bool' "
                f"ELSE 'Null' END)")
    if lower == "jsonextractstring":
        return (f"coalesce(CASE WHEN json_type({doc}, {path}) = 'VARCHAR' THEN "
                f"json_extract_string({doc}, {path}) END, '')")
    if lower == "jsonextractraw":
        return f"coalesce(CAST(json_extract({doc}, {path}) AS VARCHAR), '')"
    if lower == "jsonextractkeys":
        return f"coalesce(json_keys({doc}, {path}), [])"
    target, zero = {"jsonextractuint": ("UBIGINT", "0"), "jsonextractint": ("BIGINT", "0"),
                    "jsonextractfloat": ("DOUBLE", "0"),
                    "jsonextractbool": ("BOOLEAN", "FALSE")}[lower]
    return f"coalesce(TRY_CAST(json_extract_string({doc}, {path}) AS {target}), {zero})"


_SPECIALS: dict[str, Special] = {
    "timebucket": _time_bucket,
    "prettyformat": _pretty_format,
    "arrayjoin": _array_join_fn,
    "now": _now, "now64": _now, "today": _now, "yesterday": _now,
    "tostartofinterval": _to_start_of_interval,
    "datediff": _date_diff, "date_diff": _date_diff,
    "dateadd": _date_add, "date_add": _date_add, "datesub": _date_add, "date_sub": _date_add,
    "datetrunc": _date_trunc, "date_trunc": _date_trunc,
    **{n: _json_fn for n in ("jsonhas", "jsonlength", "jsontype", "jsonextractuint",
                             "jsonextractint", "jsonextractfloat", "jsonextractbool",
                             "jsonextractstring", "jsonextractraw", "jsonextractkeys",
                             "tojsonstring")},
}

Handler = Callable[[_Printer, Any, _Ctx, str], str]
def _arrow(printer: _Printer, node: exp.Expression, ctx: _Ctx, want: str) -> str:
    raise TrqlError("Lambdas (x -> …) are only allowed as arguments of array functions")


_HANDLERS: dict[type[exp.Expression], Handler] = {
    exp.JSONExtract: _arrow,
    exp.Paren: _Printer._paren,
    exp.Literal: _Printer._literal,
    exp.HexString: _Printer._hex,
    exp.Boolean: _Printer._boolean,
    exp.Null: _Printer._null,
    exp.Star: _Printer._star_expr,
    exp.Column: _Printer._column,
    exp.Dot: _Printer._column,
    exp.Identifier: _Printer._column,
    **{k: _Printer._compare for k in _COMPARE_OPS},
    exp.Is: _Printer._is,
    exp.Not: _Printer._not,
    exp.And: _Printer._logic,
    exp.Or: _Printer._logic,
    exp.Xor: _Printer._xor,
    exp.In: _Printer._in,
    exp.Between: _Printer._between,
    exp.Like: _Printer._like,
    exp.ILike: _Printer._like,
    exp.RegexpLike: _Printer._regexp,
    exp.RegexpILike: _Printer._regexp,
    **{k: _Printer._arith for k in _ARITH_OPS},
    exp.Neg: _Printer._neg,
    exp.DPipe: _Printer._concat,
    exp.Case: _Printer._case,
    exp.If: _Printer._if,
    exp.Cast: _Printer._cast,
    exp.CastToStrType: _Printer._cast_str,
    exp.Interval: _Printer._interval,
    exp.Array: _Printer._array,
    exp.Tuple: _Printer._tuple,
    exp.Bracket: _Printer._bracket,
    exp.Lambda: _Printer._lambda,
    exp.Subquery: _Printer._subquery,
    exp.Exists: _Printer._exists,
    exp.Substring: _Printer._substring,
    exp.Trim: _Printer._trim,
    exp.StrPosition: _Printer._strpos,
    exp.Extract: _Printer._extract,
    exp.Window: _Printer._window,
    exp.Anonymous: _Printer._func,
    exp.AnonymousAggFunc: _Printer._func,
    exp.CombinedAggFunc: _Printer._func,
    exp.ParameterizedAgg: _Printer._func,
    exp.CombinedParameterizedAgg: _Printer._func,
}


def compile_query(text: str, window: TimeWindow, envs: Sequence[str]) -> Compiled:
    """TRQL text → one DuckDB SELECT over the `trql_*` views, or a TrqlError."""
    root = parse(text)
    printer = _Printer(window, envs)
    try:
        sql, names, _ = printer.query(root, top=True)
    except RecursionError:
        raise TrqlError(TOO_COMPLEX) from None
    return Compiled(sql, names, frozenset(printer.tables))


# ---------------------------------------------------------------------- results
def convert(value: Any, type_name: str | None = None) -> Any:
    """A DuckDB value as the real service's JSON shows it (ClickHouse JSONEachRow, §6)."""
    if value is None:
        return None
    if type_name == "JSON" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if type_name is not None and type_name.endswith("[]") and isinstance(value, list):
        return [convert(v, type_name[:-2]) for v in value]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        if type_name == "TIMESTAMP_S":
            return text
        return f"{text}.{value.microsecond // 1000:03d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [convert(v) for v in value]
    if isinstance(value, dict):
        return {str(k): convert(v) for k, v in value.items()}
    return str(value)


def to_csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """`rowsToCSV`: header line, `\\n` separators, quotes only where needed, null → empty."""
    if not columns:
        return ""
    lines = [",".join(_csv_value(c) for c in columns)]
    lines.extend(",".join(_csv_value(row.get(c)) for c in columns) for row in rows)
    return "\n".join(lines)


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    elif isinstance(value, float):
        text = _js_number(value)
    else:
        text = str(value)
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _js_number(value: float) -> str:
    """JavaScript's `String(number)`: `2` not `2.0`, `1e-7` not `1e-07`."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    return re.sub(r"e([+-])0*(\d)", lambda m: f"e{m.group(1)}{m.group(2)}", text)
