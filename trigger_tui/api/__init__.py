"""The Management API client: one httpx client, SDK-shaped namespaces, pydantic models."""

from trigger_tui.api.client import ClientOptions, RetryPolicy, TriggerClient
from trigger_tui.api.errors import ApiError, ReadOnlyError, TriggerError

__all__ = ["ApiError", "ClientOptions", "ReadOnlyError", "RetryPolicy", "TriggerClient",
           "TriggerError"]
