"""Cursor and offset pagination as async iterators over validated items."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from trigger_tui.api.errors import SchemaError

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

T = TypeVar("T")


def _page(body: Any, path: str) -> tuple[list[Any], dict[str, Any]]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise SchemaError(f"{path}: expected a page with a `data` list")
    pagination = body.get("pagination")
    return body["data"], pagination if isinstance(pagination, dict) else {}


async def cursor_items(client: TriggerClient, path: str, params: Mapping[str, str],
                       parse: Callable[[Any], T], *, limit: int | None = None,
                       page_size: int = 100) -> AsyncIterator[T]:
    """Follow `pagination.next` until the end (or `limit` items)."""
    if limit is not None and limit <= 0:
        return
    query = dict(params)
    query.setdefault("page[size]", str(min(page_size, limit or page_size)))
    seen = 0
    while True:
        data, pagination = _page(await client.get_json(path, params=query), path)
        for raw in data:
            yield parse(raw)
            seen += 1
            if limit is not None and seen >= limit:
                return
        nxt = pagination.get("next")
        if not nxt or not data:
            return
        query["page[after]"] = str(nxt)
        query.pop("page[before]", None)


async def offset_items(client: TriggerClient, path: str, parse: Callable[[Any], T], *,
                       per_page: int = 100) -> AsyncIterator[T]:
    """`page`/`perPage` pages until `currentPage == totalPages`."""
    page = 1
    while True:
        body = await client.get_json(path, params={"page": str(page), "perPage": str(per_page)})
        data, pagination = _page(body, path)
        for raw in data:
            yield parse(raw)
        try:
            current = int(pagination.get("currentPage", page))
            total = int(pagination.get("totalPages", page))
        except (TypeError, ValueError):
            raise SchemaError(f"{path}: the page counters are not numbers") from None
        if current >= total or not data:
            return
        page = current + 1
