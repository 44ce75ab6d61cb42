"""TRQL's ClickHouse-style functions, translated to DuckDB.

Every function a query may call is listed here with its argument counts (trql.md §5) and how it
is written in DuckDB. A name TRQL knows but DuckDB cannot reproduce faithfully is still listed
(so the user learns it is real) but answers a 400 saying the emulator does not run it; any other
name is `Unknown function: <name>`, as on the real service. Names match case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Render = Callable[[list[str], list[str]], str]


@dataclass(frozen=True, slots=True)
class Fn:
    name: str
    min_args: int
    max_args: int | None
    render: Render
    aggregate: bool = False
    numeric: bool = False  # JSON sub-fields passed to it are read as numbers
    params: tuple[int, int] = (0, 0)  # parametric aggregates: f(params)(args)


def _call(duck: str) -> Render:
    return lambda a, p: f"{duck}({', '.join(a)})"


def _tpl(template: str) -> Render:
    return lambda a, p: template.format(*a, args=", ".join(a))


def _op(op: str) -> Render:
    return lambda a, p: "(" + f" {op} ".join(a) + ")"


def _cast(type_: str, try_: bool = False, default: str | None = None) -> Render:
    kind = "TRY_CAST" if try_ else "CAST"

    def render(a: list[str], p: list[str]) -> str:
        out = f"{kind}({a[0]} AS {type_})"
        return f"coalesce({out}, {default})" if default is not None else out

    return render


def _interval_add(unit: str, sign: str) -> Render:
    return lambda a, p: f"({a[0]} {sign} to_{unit}(CAST({a[1]} AS BIGINT)))"


def _multi_if(a: list[str], p: list[str]) -> str:
    pairs = " ".join(f"WHEN {a[i]} THEN {a[i + 1]}" for i in range(0, len(a) - 1, 2))
    return f"(CASE {pairs} ELSE {a[-1]} END)"


def _transform(a: list[str], p: list[str]) -> str:
    default = a[3] if len(a) > 3 else a[0]
    pos = f"list_position({a[1]}, {a[0]})"
    return f"(CASE WHEN {pos} IS NULL THEN {default} ELSE ({a[2]})[{pos}] END)"


def _round_to(fn: str) -> Render:
    def render(a: list[str], p: list[str]) -> str:
        if len(a) == 1:
            return f"{fn}({a[0]})"
        return f"({fn}({a[0]} * pow(10, {a[1]})) / pow(10, {a[1]}))"

    return render


def _slice(a: list[str], p: list[str]) -> str:
    if len(a) == 2:
        return f"list_slice({a[0]}, {a[1]}, length({a[0]}))"
    return f"list_slice({a[0]}, {a[1]}, {a[1]} + {a[2]} - 1)"


def _quantile(fn: str) -> Render:
    def render(a: list[str], p: list[str]) -> str:
        level = p[0] if p else "0.5"
        return f"{fn}({a[0]}, {level})"

    return render


def _quantiles(a: list[str], p: list[str]) -> str:
    return f"quantile_cont({a[0]}, [{', '.join(p)}])"


def _merged(fn: str) -> Render:
    """`quantilesMerge(p…)(state)`: the emulator's states are lists of raw samples."""

    def render(a: list[str], p: list[str]) -> str:
        values = f"flatten(list({a[0]}))"
        levels = p or ["0.5"]
        one = [f"list_aggregate({values}, 'quantile_cont', {lv})" for lv in levels]
        return f"[{', '.join(one)}]" if fn == "many" else one[0]

    return render


def _group_array(distinct: bool) -> Render:
    def render(a: list[str], p: list[str]) -> str:
        body = f"list({'DISTINCT ' if distinct else ''}{a[0]}) FILTER (WHERE {a[0]} IS NOT NULL)"
        body = f"coalesce({body}, [])"
        return f"list_slice({body}, 1, {p[0]})" if p else body

    return render


def _uniq(a: list[str], p: list[str]) -> str:
    if len(a) == 1:
        return f"count(DISTINCT {a[0]})"
    return f"count(DISTINCT row({', '.join(a)}))"


def _count(a: list[str], p: list[str]) -> str:
    return f"count({a[0] if a else '*'})"


def _array_count(a: list[str], p: list[str]) -> str:
    if len(a) == 1:
        return f"length(list_filter({a[0]}, lambda _x: _x IS NOT NULL AND CAST(_x AS BOOLEAN)))"
    return f"length(list_filter({a[1]}, {a[0]}))"


def _has_extract_group(a: list[str], p: list[str]) -> str:
    # ClickHouse `extract` returns the first capture group when the pattern has one.
    return (f"(CASE WHEN regexp_matches({a[1]}, '\\(') THEN regexp_extract({a[0]}, {a[1]}, 1) "
            f"ELSE regexp_extract({a[0]}, {a[1]}) END)")


_UNIT_INTERVALS = ("second", "minute", "hour", "day", "week", "month", "quarter", "year")


def _build() -> dict[str, Fn]:
    fns: list[Fn] = []

    def add(names: str, lo: int, hi: int | None, render: Render, **kw: object) -> None:
        for name in names.split():
            fns.append(Fn(name, lo, hi, render, **kw))  # type: ignore[arg-type]

    def rename(names: str, lo: int, hi: int | None, duck: str, **kw: object) -> None:
        add(names, lo, hi, _call(duck), **kw)

    # ---- comparison and logic
    for name, op in (("equals", "="), ("notEquals", "<>"), ("less", "<"), ("greater", ">"),
                     ("lessOrEquals", "<="), ("greaterOrEquals", ">=")):
        add(name, 2, 2, _op(op))
    add("and", 2, None, _op("AND"))
    add("or", 2, None, _op("OR"))
    add("xor", 2, 2, _tpl("(CAST({0} AS BOOLEAN) <> CAST({1} AS BOOLEAN))"))
    add("not", 1, 1, _tpl("(NOT {0})"))
    add("if", 3, 3, _tpl("(CASE WHEN {0} THEN {1} ELSE {2} END)"))
    add("multiIf", 3, None, _multi_if)
    add("in", 2, 2, _tpl("({0} IN {1})"))
    add("notIn", 2, 2, _tpl("({0} NOT IN {1})"))
    # ---- arithmetic and math
    for name, op in (("plus", "+"), ("minus", "-"), ("multiply", "*"), ("divide", "/"),
                     ("modulo", "%"), ("intDiv", "//")):
        add(name, 2, 2, _op(op), numeric=True)
    add("intDivOrZero", 2, 2, _tpl("(CASE WHEN {1} = 0 THEN 0 ELSE {0} // {1} END)"),
        numeric=True)
    add("moduloOrZero", 2, 2, _tpl("(CASE WHEN {1} = 0 THEN 0 ELSE {0} % {1} END)"),
        numeric=True)
    add("positiveModulo", 2, 2, _tpl("((({0} % {1}) + {1}) % {1})"), numeric=True)
    add("negate", 1, 1, _tpl("(-{0})"), numeric=True)
    for name in ("abs", "exp", "ln", "log2", "log10", "sqrt", "cbrt", "sin", "cos", "tan", "asin",
                 "acos", "atan", "sign", "lgamma"):
        rename(name, 1, 1, name, numeric=True)
    rename("log", 1, 1, "ln", numeric=True)
    rename("tgamma", 1, 1, "gamma", numeric=True)
    add("exp2", 1, 1, _tpl("pow(2, {0})"), numeric=True)
    add("exp10", 1, 1, _tpl("pow(10, {0})"), numeric=True)
    rename("pow power", 2, 2, "pow", numeric=True)
    rename("gcd", 2, 2, "gcd", numeric=True)
    rename("lcm", 2, 2, "lcm", numeric=True)
    rename("round", 1, 2, "round", numeric=True)
    add("floor", 1, 2, _round_to("floor"), numeric=True)
    add("ceil ceiling", 1, 2, _round_to("ceil"), numeric=True)
    add("trunc truncate", 1, 2, _round_to("trunc"), numeric=True)
    # ---- strings
    add("empty", 1, 1, _tpl("(length({0}) = 0)"))
    add("notEmpty", 1, 1, _tpl("(length({0}) > 0)"))
    rename("length lengthUTF8 char_length character_length", 1, 1, "length")
    rename("lower lowerUTF8", 1, 1, "lower")
    rename("upper upperUTF8", 1, 1, "upper")
    rename("reverse reverseUTF8", 1, 1, "reverse")
    add("concat concatAssumeInjective", 1, None,
        lambda a, p: "(" + " || ".join(f"CAST({x} AS VARCHAR)" for x in a) + ")")
    rename("substring substr mid substringUTF8", 2, 3, "substring")
    add("appendTrailingCharIfAbsent", 2, 2,
        _tpl("(CASE WHEN ends_with({0}, {1}) THEN {0} ELSE {0} || {1} END)"))
    add("base64Encode", 1, 1, _tpl("to_base64(encode({0}))"))
    add("base64Decode tryBase64Decode", 1, 1, _tpl("decode(from_base64({0}))"))
    rename("startsWith", 2, 2, "starts_with")
    rename("endsWith", 2, 2, "ends_with")
    add("trim", 1, 2, lambda a, p: f"trim({', '.join(a)})")
    rename("trimLeft ltrim", 1, 1, "ltrim")
    rename("trimRight rtrim", 1, 1, "rtrim")
    rename("leftPad leftPadUTF8", 2, 3, "lpad")
    rename("rightPad rightPadUTF8", 2, 3, "rpad")
    rename("left", 2, 2, "left")
    rename("right", 2, 2, "right")
    rename("repeat", 2, 2, "repeat")
    add("space", 1, 1, _tpl("repeat(' ', {0})"))
    rename("replace replaceAll", 3, 3, "replace")
    add("replaceOne", 3, 3, _tpl("regexp_replace({0}, regexp_escape({1}), {2})"))
    rename("replaceRegexpOne", 3, 3, "regexp_replace")
    add("replaceRegexpAll", 3, 3, _tpl("regexp_replace({0}, {1}, {2}, 'g')"))
    add("position positionUTF8 locate", 2, 2, _tpl("strpos({0}, {1})"))
    add("positionCaseInsensitive positionCaseInsensitiveUTF8", 2, 2,
        _tpl("strpos(lower({0}), lower({1}))"))
    rename("match", 2, 2, "regexp_matches")
    add("multiMatchAny", 2, 2,
        _tpl("(length(list_filter({1}, lambda _p: regexp_matches({0}, _p))) > 0)"))
    add("multiSearchAny", 2, 2,
        _tpl("(length(list_filter({1}, lambda _p: contains({0}, _p))) > 0)"))
    add("extract", 2, 2, _has_extract_group)
    rename("extractAll", 2, 2, "regexp_extract_all")
    add("like", 2, 2, _tpl("({0} LIKE {1})"))
    add("ilike", 2, 2, _tpl("({0} ILIKE {1})"))
    add("notLike", 2, 2, _tpl("({0} NOT LIKE {1})"))
    add("notILike", 2, 2, _tpl("({0} NOT ILIKE {1})"))
    add("splitByChar splitByString", 2, 3, _tpl("string_split({1}, {0})"))
    add("splitByRegexp", 2, 3, _tpl("string_split_regex({1}, {0})"))
    add("arrayStringConcat", 1, 2,
        lambda a, p: f"array_to_string({a[0]}, {a[1] if len(a) > 1 else repr('')})")
    rename("format", 1, None, "format")
    rename("coalesce", 1, None, "coalesce")
    rename("ifNull", 2, 2, "coalesce")
    rename("nullIf", 2, 2, "nullif")
    add("assumeNotNull toNullable", 1, 1, _tpl("{0}"))
    add("isNull", 1, 1, _tpl("({0} IS NULL)"))
    add("isNotNull", 1, 1, _tpl("({0} IS NOT NULL)"))
    # ---- type conversion
    add("toString toFixedString", 1, 2, _cast("VARCHAR"))
    for bits, signed, unsigned in ((8, "TINYINT", "UTINYINT"), (16, "SMALLINT", "USMALLINT"),
                                   (32, "INTEGER", "UINTEGER"), (64, "BIGINT", "UBIGINT"),
                                   (128, "HUGEINT", "UHUGEINT"), (256, "HUGEINT", "UHUGEINT")):
        add(f"toInt{bits}", 1, 1, _cast(signed), numeric=True)
        add(f"toUInt{bits}", 1, 1, _cast(unsigned), numeric=True)
    add("toFloat32", 1, 1, _cast("FLOAT"), numeric=True)
    add("toFloat64", 1, 1, _cast("DOUBLE"), numeric=True)
    for name, precision in (("toDecimal32", 9), ("toDecimal64", 18), ("toDecimal128", 38),
                            ("toDecimal256", 38)):
        add(name, 2, 2, _tpl(f"CAST({{0}} AS DECIMAL({precision}, {{1}}))"), numeric=True)
    add("toDate toDate32", 1, 2, _cast("DATE"))
    add("toDateOrNull toDate32OrNull", 1, 2, _cast("DATE", True))
    add("toDateOrZero toDate32OrZero", 1, 2, _cast("DATE", True, "DATE '1970-01-01'"))
    add("toDateTime", 1, 2, _cast("TIMESTAMP_S"))
    add("toDateTimeOrNull", 1, 2, _cast("TIMESTAMP_S", True))
    add("toDateTimeOrZero", 1, 2, _cast("TIMESTAMP_S", True, "TIMESTAMP_S '1970-01-01'"))
    add("toDateTime64", 1, 3, _cast("TIMESTAMP"))
    add("toDateTime64OrNull", 1, 3, _cast("TIMESTAMP", True))
    add("toDateTime64OrZero", 1, 3, _cast("TIMESTAMP", True, "TIMESTAMP '1970-01-01'"))
    add("toUUID", 1, 1, _cast("UUID"))
    add("toUUIDOrNull", 1, 1, _cast("UUID", True))
    add("toUUIDOrZero", 1, 1, _cast("UUID", True, "'00000000-0000-0000-0000-000000000000'::UUID"))
    rename("toTypeName", 1, 1, "typeof")
    # ---- date and time (now/today/yesterday/toStartOfInterval/dateDiff… are special forms)
    for name, part in (("toYear", "year"), ("toQuarter", "quarter"), ("toMonth", "month"),
                       ("toDayOfYear", "dayofyear"), ("toDayOfMonth", "day"), ("toHour", "hour"),
                       ("toMinute", "minute"), ("toSecond", "second"), ("toISOYear", "isoyear"),
                       ("toISOWeek", "week")):
        add(name, 1, 1, _tpl(f"CAST({part}({{0}}) AS BIGINT)"))
    add("toDayOfWeek", 1, 3, _tpl("CAST(isodow({0}) AS BIGINT)"))
    add("toMonday", 1, 1, _tpl("CAST(date_trunc('week', {0}) AS DATE)"))
    for name, part in (("toStartOfYear", "year"), ("toStartOfQuarter", "quarter"),
                       ("toStartOfMonth", "month")):
        add(name, 1, 1, _tpl(f"CAST(date_trunc('{part}', {{0}}) AS DATE)"))
    for name, part in (("toStartOfDay", "day"), ("toStartOfHour", "hour"),
                       ("toStartOfMinute", "minute")):
        add(name, 1, 1, _tpl(f"CAST(date_trunc('{part}', {{0}}) AS TIMESTAMP_S)"))
    add("toStartOfSecond", 1, 1, _tpl("date_trunc('second', {0})"))
    for name, minutes in (("toStartOfFiveMinutes", 5), ("toStartOfTenMinutes", 10),
                          ("toStartOfFifteenMinutes", 15)):
        add(name, 1, 1,
            _tpl(f"CAST(time_bucket(INTERVAL '{minutes} minutes', {{0}}) AS TIMESTAMP_S)"))
    add("toStartOfWeek", 1, 2,
        _tpl("CAST(CAST({0} AS DATE) - CAST(dayofweek({0}) AS INTEGER) AS DATE)"))
    add("toUnixTimestamp", 1, 2, _tpl("CAST(floor(epoch({0})) AS BIGINT)"))
    add("toTime", 1, 2, _cast("TIME"))
    add("toWeek", 1, 3, _tpl("CAST(week({0}) AS BIGINT)"))
    add("toYearWeek", 1, 3, _tpl("CAST(yearweek({0}) AS BIGINT)"))
    for unit in ("second", "minute", "hour", "day", "week", "month", "year"):
        cap = unit.capitalize() + "s"
        add(f"add{cap}", 2, 2, _interval_add(unit + "s", "+"))
        add(f"subtract{cap}", 2, 2, _interval_add(unit + "s", "-"))
        add(f"toInterval{unit.capitalize()}", 1, 1, _tpl(f"to_{unit}s(CAST({{0}} AS BIGINT))"))
    add("addQuarters", 2, 2, _tpl("({0} + to_months(3 * CAST({1} AS BIGINT)))"))
    add("subtractQuarters", 2, 2, _tpl("({0} - to_months(3 * CAST({1} AS BIGINT)))"))
    add("toIntervalQuarter", 1, 1, _tpl("to_months(3 * CAST({0} AS BIGINT))"))
    add("toTimeZone", 2, 2, _tpl("{0}"))
    add("formatDateTime", 2, 3, _tpl("strftime({0}, {1})"))
    add("parseDateTime", 2, 3, _tpl("CAST(strptime({0}, {1}) AS TIMESTAMP_S)"))
    add("parseDateTimeBestEffort", 1, 2, _cast("TIMESTAMP_S"))
    add("parseDateTimeBestEffortOrNull", 1, 2, _cast("TIMESTAMP_S", True))
    add("parseDateTimeBestEffortOrZero", 1, 2,
        _cast("TIMESTAMP_S", True, "TIMESTAMP_S '1970-01-01'"))
    add("parseDateTime64BestEffort", 1, 3, _cast("TIMESTAMP"))
    add("parseDateTime64BestEffortOrNull", 1, 3, _cast("TIMESTAMP", True))
    add("parseDateTime64BestEffortOrZero", 1, 3,
        _cast("TIMESTAMP", True, "TIMESTAMP '1970-01-01'"))
    # ---- arrays
    add("array", 0, None, lambda a, p: f"[{', '.join(a)}]")
    add("range", 1, 3, lambda a, p: f"range({', '.join(a)})")
    add("arrayElement", 2, 2, _tpl("({0})[{1}]"))
    rename("has", 2, 2, "list_contains")
    rename("hasAll", 2, 2, "list_has_all")
    rename("hasAny", 2, 2, "list_has_any")
    add("indexOf", 2, 2, _tpl("coalesce(list_position({0}, {1}), 0)"))
    add("countEqual", 2, 2, _tpl("length(list_filter({0}, lambda _x: _x = {1}))"))
    rename("arrayPushBack", 2, 2, "list_append")
    add("arrayPushFront", 2, 2, _tpl("list_prepend({1}, {0})"))
    add("arrayCount", 1, 2, _array_count)
    add("arrayEnumerate", 1, 1, _tpl("range(1, length({0}) + 1)"))
    add("arrayPopBack", 1, 1, _tpl("list_slice({0}, 1, length({0}) - 1)"))
    add("arrayPopFront", 1, 1, _tpl("list_slice({0}, 2, length({0}))"))
    rename("arrayDistinct", 1, 1, "list_distinct")
    rename("arrayReverse", 1, 1, "list_reverse")
    rename("arrayFlatten", 1, 1, "flatten")
    rename("arrayProduct", 1, 1, "list_product", numeric=True)
    add("arrayUniq", 1, 1, _tpl("length(list_distinct({0}))"))
    rename("arrayIntersect", 1, None, "list_intersect")
    rename("arrayZip", 1, None, "list_zip")
    add("arraySlice", 2, 3, _slice)
    rename("arraySort", 1, 1, "list_sort")
    rename("arrayReverseSort", 1, 1, "list_reverse_sort")
    rename("arrayMin", 1, 1, "list_min")
    rename("arrayMax", 1, 1, "list_max")
    rename("arraySum", 1, 1, "list_sum")
    rename("arrayAvg", 1, 1, "list_avg")
    add("arrayReduce", 2, 2, _tpl("list_aggregate({1}, {0})"))
    add("arrayMap", 2, 2, _tpl("list_transform({1}, {0})"))
    add("arrayFilter", 2, 2, _tpl("list_filter({1}, {0})"))
    add("arrayExists", 2, 2, _tpl("(length(list_filter({1}, {0})) > 0)"))
    add("arrayAll", 2, 2, _tpl("(length(list_filter({1}, {0})) = length({1}))"))
    add("arrayFirst", 2, 2, _tpl("(list_filter({1}, {0}))[1]"))
    # ---- tuples and maps
    add("tuple", 0, None, lambda a, p: f"row({', '.join(a)})")
    add("tupleElement", 2, 3, _tpl("struct_extract({0}, {1})"))
    add("map", 0, None, lambda a, p: f"map([{', '.join(a[0::2])}], [{', '.join(a[1::2])}])")
    rename("mapFromArrays", 2, 2, "map")
    add("mapContains", 2, 2, _tpl("(length(map_extract({0}, {1})) > 0)"))
    rename("mapKeys", 1, 1, "map_keys")
    rename("mapValues", 1, 1, "map_values")
    # ---- hashes
    add("MD5", 1, 1, _tpl("unhex(md5({0}))"))
    add("SHA1", 1, 1, _tpl("unhex(sha1({0}))"))
    add("SHA256", 1, 1, _tpl("unhex(sha256({0}))"))
    rename("hex", 1, 1, "hex")
    rename("unhex", 1, 1, "unhex")
    rename("intHash32 intHash64 sipHash64 cityHash64 farmHash64 farmFingerprint64 xxHash32 "
           "xxHash64 murmurHash2_32 murmurHash2_64 murmurHash3_32 murmurHash3_64", 1, None, "hash")
    # ---- URLs
    scheme = "'^[a-zA-Z][a-zA-Z0-9+.-]*://'"
    add("protocol", 1, 1, _tpl("regexp_extract({0}, '^([a-zA-Z][a-zA-Z0-9+.-]*)://', 1)"))
    add("domain", 1, 1, _tpl("regexp_extract({0}, '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?"
                             "(?:[^@/]*@)?([^/:?#]+)', 1)"))
    add("domainWithoutWWW", 1, 1, _tpl("regexp_replace(regexp_extract({0}, '^(?:[a-zA-Z]"
                                       "[a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1), "
                                       "'^www\\.', '')"))
    add("topLevelDomain", 1, 1, _tpl("regexp_extract(regexp_extract({0}, '^(?:[a-zA-Z]"
                                     "[a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#]+)', 1), "
                                     "'([^.]+)$', 1)"))
    add("path", 1, 1, _tpl(f"regexp_extract(regexp_replace({{0}}, {scheme}, ''), "
                           "'^[^/?#]*([^?#]*)', 1)"))
    add("pathFull", 1, 1, _tpl(f"regexp_extract(regexp_replace({{0}}, {scheme}, ''), "
                               "'^[^/?#]*(.*)$', 1)"))
    add("queryString", 1, 1, _tpl("regexp_extract({0}, '\\?([^#]*)', 1)"))
    add("fragment", 1, 1, _tpl("regexp_extract({0}, '#(.*)$', 1)"))
    add("extractURLParameter", 2, 2,
        _tpl("coalesce(regexp_extract({0}, '[?&]' || regexp_escape({1}) || '=([^&#]*)', 1), '')"))
    rename("encodeURLComponent", 1, 1, "url_encode")
    rename("decodeURLComponent", 1, 1, "url_decode")
    # ---- other
    rename("generateUUIDv4", 0, 0, "uuid")
    rename("isFinite", 1, 1, "isfinite")
    rename("isInfinite", 1, 1, "isinf")
    rename("isNaN", 1, 1, "isnan")
    rename("formatReadableSize", 1, 1, "formatReadableSize")
    rename("formatReadableDecimalSize", 1, 1, "formatReadableDecimalSize")
    add("ifNotFinite", 2, 2, _tpl("(CASE WHEN isfinite({0}) THEN {0} ELSE {1} END)"))
    rename("least min2", 2, 2, "least")
    rename("greatest max2", 2, 2, "greatest")
    add("transform", 3, 4, _transform)
    # ---- window functions (only valid inside OVER)
    rename("rank", 0, 0, "rank")
    rename("dense_rank", 0, 0, "dense_rank")
    rename("row_number", 0, 0, "row_number")
    rename("first_value", 1, 1, "first_value")
    rename("last_value", 1, 1, "last_value")
    rename("nth_value", 2, 2, "nth_value")
    rename("lagInFrame lag", 1, 3, "lag")
    rename("leadInFrame lead", 1, 3, "lead")
    # ---- aggregates
    agg = {"aggregate": True}
    num = {"aggregate": True, "numeric": True}
    add("count", 0, None, _count, **agg)
    add("countDistinct", 1, None, _uniq, **agg)
    add("uniq uniqExact uniqHLL12 uniqTheta", 1, None, _uniq, **agg)
    rename("min", 1, 1, "min", **agg)
    rename("max", 1, 1, "max", **agg)
    rename("sum", 1, 1, "sum", **num)
    rename("avg", 1, 1, "avg", **num)
    rename("any", 1, 1, "any_value", **agg)
    rename("anyLast", 1, 1, "last", **agg)
    rename("anyHeavy", 1, 1, "mode", **agg)
    rename("argMin", 2, 2, "arg_min", **agg)
    rename("argMax", 2, 2, "arg_max", **agg)
    for name, duck in (("stddevPop", "stddev_pop"), ("stddevSamp", "stddev_samp"),
                       ("varPop", "var_pop"), ("varSamp", "var_samp")):
        rename(name, 1, 1, duck, **num)
    for name, duck in (("covarPop", "covar_pop"), ("covarSamp", "covar_samp"), ("corr", "corr")):
        rename(name, 2, 2, duck, **num)
    add("groupArray array_agg", 1, 1, _group_array(False), params=(0, 1), **agg)
    add("groupUniqArray", 1, 1, _group_array(True), params=(0, 1), **agg)
    add("median", 1, 1, _quantile("quantile_cont"), **num)
    add("medianExact", 1, 1, _quantile("quantile_disc"), **num)
    add("quantile", 1, 1, _quantile("quantile_cont"), params=(0, 1), **num)
    add("quantiles", 1, 1, _quantiles, params=(1, 100), **num)
    add("quantilesMerge quantilesTDigestMerge", 1, 1, _merged("many"), params=(0, 100), **agg)
    add("quantileMerge", 1, 1, _merged("one"), params=(0, 1), **agg)
    rename("sumMerge countMerge deltaSumTimestampMerge", 1, 1, "sum", **num)
    rename("avgMerge", 1, 1, "avg", **num)
    rename("minMerge", 1, 1, "min", **agg)
    rename("maxMerge", 1, 1, "max", **agg)
    add("topK", 1, 1, lambda a, p: f"approx_top_k({a[0]}, {p[0] if p else 10})",
        params=(0, 1), **agg)
    return {f.name.lower(): f for f in fns}


FUNCTIONS: dict[str, Fn] = _build()

# Aggregates that take a trailing condition with the `If` combinator (trql.md §5.2).
IF_COMBINABLE = frozenset(n.lower() for n in (
    "count", "countDistinct", "min", "max", "sum", "avg", "any", "anyLast", "anyHeavy", "argMin",
    "argMax", "groupArray", "groupUniqArray", "uniq", "uniqExact", "median", "quantile"))

# Real TRQL functions the emulator cannot run faithfully: a 400 says so (never a 500).
UNSUPPORTED = frozenset(n.lower() for n in (
    "erf erfc convertCharset base58Encode base58Decode multiMatchAnyIndex "
    "multiMatchAllIndices multiSearchFirstPosition multiSearchFirstIndex "
    "extractAllGroupsHorizontal extractAllGroupsVertical untuple arrayEnumerateDense "
    "arrayEnumerateUniq arrayEnumerateUniqRanked arrayDifference arrayCompact arrayResize "
    "arrayPartialSort arrayPartialReverseSort arrayShuffle arrayCumSum arrayCumSumNonNegative "
    "hasSubstr SHA224 SHA384 SHA512 sipHash128 murmurHash3_128 cutToFirstSignificantSubdomain "
    "cutToFirstSignificantSubdomainWithWWW firstSignificantSubdomain extractURLParameters port "
    "UUIDStringToNum UUIDNumToString formatReadableQuantity formatReadableTimeDelta "
    "runningDifference runningDifferenceStartingWithFirstValue bar neighbor "
    "groupArrayInsertAt groupArrayMovingAvg groupArrayMovingSum groupArraySample groupBitmap "
    "groupBitmapAnd groupBitmapOr groupBitmapXor simpleLinearRegression contingency cramersV "
    "theilsU sumMap minMap maxMap windowFunnel toDecimalString JSONExtract "
    "JSONExtractKeysAndValues JSONExtractArrayRaw"
).split())

# Functions with their own printing rules in the engine (time, JSON, buckets, arrays).
SPECIAL = frozenset(n.lower() for n in (
    "timeBucket", "prettyFormat", "arrayJoin", "now", "now64", "today", "yesterday",
    "toStartOfInterval", "dateDiff", "date_diff", "dateAdd", "date_add", "dateSub", "date_sub",
    "dateTrunc", "date_trunc", "JSONHas", "JSONLength", "JSONType", "JSONExtractUInt",
    "JSONExtractInt", "JSONExtractFloat", "JSONExtractBool", "JSONExtractString",
    "JSONExtractRaw", "JSONExtractKeys", "toJSONString"))

PRETTY_FORMAT_TYPES = ("bytes", "decimalBytes", "quantity", "percent", "duration",
                       "durationSeconds", "costInDollars", "cost")
DATE_UNITS = frozenset({"microsecond", "millisecond", "second", "minute", "hour", "day", "week",
                        "month", "quarter", "year"})
INTERVAL_FUNCS = {u: f"to_{u}s" for u in _UNIT_INTERVALS if u != "quarter"}
