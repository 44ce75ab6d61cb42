"""Errors the client raises: typed by status, worded for a person, never carrying a secret."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class TriggerError(Exception):
    """Base of everything the client raises."""


class ReadOnlyError(TriggerError):
    """A mutating call on a read-only connection; refused before anything left the process."""

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"refused {method} {path}: this connection is read-only")
        self.method = method
        self.path = path


class ApiConnectionError(TriggerError):
    """No HTTP answer: DNS, refused connection, dropped connection."""

    def __init__(self, message: str, *, may_have_reached_server: bool = False) -> None:
        super().__init__(message)
        self.may_have_reached_server = may_have_reached_server


class ApiTimeoutError(ApiConnectionError):
    """The server did not answer in time (the request may have been processed)."""


class ApiError(TriggerError):
    """The server answered with a non-2xx status."""

    status: int = 0

    def __init__(self, status: int, message: str, *, headers: Mapping[str, str] | None = None,
                 body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})
        self.body = body
        error = body.get("error") if isinstance(body, dict) else None
        source = error if isinstance(error, dict) else body if isinstance(body, dict) else {}
        self.code: str | None = source.get("code") if isinstance(source.get("code"), str) else None

    @property
    def server_message(self) -> str | None:
        """The server's own words (`error`, or the error's `message`)."""
        if not isinstance(self.body, dict):
            return None
        error = self.body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        return error if isinstance(error, str) else None


class BadRequestError(ApiError):
    status = 400


class AuthenticationError(ApiError):
    status = 401


class PermissionDeniedError(ApiError):
    status = 403


class NotFoundError(ApiError):
    status = 404


class NotSupportedError(NotFoundError):
    """The route itself does not exist on this server (an older self-hosted version)."""


class ConflictError(ApiError):
    status = 409


class UnprocessableEntityError(ApiError):
    status = 422


class RateLimitError(ApiError):
    status = 429

    @property
    def reset_at(self) -> float | None:
        """When the bucket refills (epoch seconds), from `x-ratelimit-reset` (ms)."""
        raw = self.headers.get("x-ratelimit-reset")
        try:
            return int(raw) / 1000.0 if raw is not None else None
        except ValueError:
            return None


class InternalServerError(ApiError):
    status = 500


class SchemaError(TriggerError):
    """A 2xx answer whose body is not what the API promises (truncated, HTML, wrong shape)."""

    def __init__(self, message: str, *, status: int = 200, raw: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.raw = raw[:2000]


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError, 401: AuthenticationError, 403: PermissionDeniedError,
    404: NotFoundError, 409: ConflictError, 422: UnprocessableEntityError, 429: RateLimitError,
}


# What the API's route builder says when it misses, naming nothing.
GENERIC_NOT_FOUND = frozenset({"Not found", "Resource not found", "queue-not-found"})


def describe(status: int, body: Any, text: str, *, env_hint: str | None = None,
             personal_token: bool = False, target: str | None = None) -> str:
    """A message a person understands, with the server's words when it gave any.

    `personal_token`: the request carried a tr_pat_ token, which the API accepts on a few
    routes only; a 401 elsewhere means the route wants a project secret key, not a bad token.
    `target`: the id the request named, for the API's bare "Not found"."""
    server = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            server = error.get("message")
        elif isinstance(error, str):
            server = error
    if isinstance(server, str) and isinstance(body, dict):
        server = _with_details(server, body)
    where = f" for the {env_hint} environment" if env_hint else ""
    if status == 401 and personal_token:
        return (f"this needs a project secret key (tr_dev_…, tr_prod_…): a personal access "
                f"token is not accepted here ({server or 'unauthorized'}); set "
                "TRIGGER_SECRET_KEY or give the profile a secret key")
    if status == 401:
        return (f"the API key was rejected{where} ({server or 'unauthorized'}): check "
                "TRIGGER_SECRET_KEY or the profile's key")
    if status == 403:
        return f"this key may not do that ({server or 'forbidden'})"
    if status == 404 and target and server in GENERIC_NOT_FOUND:
        return f"{target} not found in this environment ({server})"
    if status == 404 and target and isinstance(server, str) and target not in server:
        return f"{server}: {target}"
    if status == 429:
        return f"rate limited by the API ({server or 'too many requests'})"
    page = html_title(text) if server is None else None
    if status >= 500:
        if page is not None:
            return (f"a proxy in front of the API answered {status} with an HTML page "
                    f"({page or 'no title'}) instead of the API's JSON; it may be retried")
        return f"the API failed with {status} ({server or 'server error'}); it may be retried"
    if page is not None:
        return f"HTTP {status}: an HTML page ({page or 'no title'}) instead of the API's JSON"
    if server:
        return str(server)
    snippet = " ".join(text.split())[:120]
    return f"HTTP {status}" + (f": {snippet}" if snippet else " with no body")


def html_title(text: str) -> str | None:
    """None unless `text` is an HTML page; then its title ("" when it has none), so a proxy's
    error page is named ("502 Bad Gateway") instead of dumped."""
    head = text.lstrip()[:200].lower()
    if not (head.startswith("<!doctype html") or head.startswith("<html")):
        return None
    found = re.search(r"<title[^>]*>(.*?)</title>", text[:4000], re.IGNORECASE | re.DOTALL)
    title = " ".join(found.group(1).split()) if found else ""
    return "".join(c for c in title if c.isprintable())[:80]  # server text: no escapes


def _with_details(message: str, body: dict[str, Any]) -> str:
    """Generic errors ("Query Error", "Invalid request body") carry the useful words in
    `details`/`issues` (zod issues) or `variableErrors`: add them."""
    parts: list[str] = []
    for key in ("details", "issues"):
        issues = body.get(key)
        if isinstance(issues, list):
            for issue in issues[:5]:
                if isinstance(issue, dict) and isinstance(issue.get("message"), str):
                    path = issue.get("path")
                    where = ".".join(str(p) for p in path) if isinstance(path, list) else ""
                    parts.append(f"{where}: {issue['message']}" if where else issue["message"])
    variable_errors = body.get("variableErrors")
    if isinstance(variable_errors, list):
        parts.extend(f"{e.get('key')}: {e.get('error')}" for e in variable_errors[:5]
                     if isinstance(e, dict))
    return f"{message} ({'; '.join(parts)})" if parts else message


def from_response(status: int, headers: Mapping[str, str], body: Any, text: str, *,
                  env_hint: str | None = None, route_missing: bool = False,
                  personal_token: bool = False, target: str | None = None) -> ApiError:
    message = describe(status, body, text, env_hint=env_hint, personal_token=personal_token,
                       target=target)
    if route_missing:
        return NotSupportedError(404, "not supported by this server (the endpoint does not "
                                 "exist there; it may be an older self-hosted version)",
                                 headers=headers, body=body)
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else ApiError)
    return cls(status, message, headers=headers, body=body)
