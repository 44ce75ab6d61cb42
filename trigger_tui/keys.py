"""Facts about keys that every layer needs: which environment a key opens, how to mask it.

It sits at the bottom (below config and api) so nothing has to import upwards for them.
"""

from __future__ import annotations

from typing import Any

DEFAULT_BASE_URL = "https://api.trigger.dev"

KEY_ENVIRONMENTS = {"tr_dev_": "dev", "tr_stg_": "stg", "tr_prod_": "prod",
                    "tr_preview_": "preview"}


def environment_of_key(key: str) -> str | None:
    """The environment slug a secret key belongs to, from its prefix (None for a PAT)."""
    for prefix, slug in KEY_ENVIRONMENTS.items():
        if key.startswith(prefix):
            return slug
    return None


def mask(secret: str | None) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    if not secret:
        return "(none)"
    head = next((p for p in (*KEY_ENVIRONMENTS, "tr_pat_") if secret.startswith(p)), "")
    return f"{head}…{secret[-4:]}" if len(secret) > len(head) + 8 else f"{head}…"


def redact(value: Any, secret: str | None) -> Any:
    """`value` (text, or JSON-shaped data) with every occurrence of `secret` masked.

    Servers and proxies echo request headers and bodies in their error answers; an error built
    from such an answer would carry the key into a toast, a log line or a traceback."""
    if not secret or len(secret) < 8:
        return value
    if isinstance(value, str):
        return value.replace(secret, mask(secret)) if secret in value else value
    if isinstance(value, dict):
        return {redact(k, secret): redact(v, secret) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v, secret) for v in value)
    return value
