"""Environment variables of one environment.

The seed is static text, not drawn from the RNG, so adding a variable never shifts the rest of
the simulated world. Values differ between dev, staging and prod and a few names exist only in
some environments, which is what an environment-diff view needs to have something to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld

# Names the import and create routes drop silently: the platform sets them itself.
RESERVED = frozenset({"TRIGGER_SECRET_KEY", "TRIGGER_API_URL"})

ENV_TITLES = {"DEVELOPMENT": "Development", "STAGING": "Staging", "PRODUCTION": "Production",
              "PREVIEW": "Preview"}

# name -> (is secret, {env slug: value}); a slug missing from the map means "not set there".
_SEED: dict[str, tuple[bool, dict[str, str]]] = {
    "DATABASE_URL": (True, {
        "dev": "postgresql://postgres:postgres@localhost:5432/acme_dev",
        "stg": "postgresql://acme:Zx81kq@db-stg.acme.internal:5432/acme",
        "prod": "postgresql://acme:Vb27pw@db-prod.acme.internal:5432/acme",
    }),
    "OPENAI_API_KEY": (True, {
        "dev": "sk-proj-dev-4c1f0a9e7b2d", "stg": "sk-proj-stg-8e3b7c2a1f90",
        "prod": "sk-proj-prod-a7d29f4e0c31",
    }),
    "STRIPE_SECRET_KEY": (True, {
        "dev": "sk_test_51Hdev0000000000", "stg": "sk_test_51Hstg0000000000",
        "prod": "sk_live_51Hprod000000000",
    }),
    "STRIPE_WEBHOOK_SECRET": (True, {"stg": "whsec_stg_3f9a0c", "prod": "whsec_live_b81d2e"}),
    "RESEND_API_KEY": (True, {
        "dev": "re_dev_9s8d7f6g", "stg": "re_stg_1q2w3e4r", "prod": "re_live_5t6y7u8i",
    }),
    "LOG_LEVEL": (False, {"dev": "debug", "stg": "info", "prod": "warn"}),
    "FEATURE_NEW_CHECKOUT": (False, {"dev": "true", "stg": "true", "prod": "false"}),
    "SENTRY_DSN": (False, {
        "stg": "https://3b1f@o4506.ingest.sentry.io/4506001",
        "prod": "https://9c2e@o4506.ingest.sentry.io/4506002",
    }),
    "APP_URL": (False, {
        "dev": "http://localhost:3000", "stg": "https://staging.acme.dev",
        "prod": "https://app.acme.dev",
    }),
    "S3_BUCKET": (False, {"dev": "acme-dev-uploads", "stg": "acme-stg-uploads",
                          "prod": "acme-prod-uploads"}),
    "OPENAI_MODEL": (False, {"dev": "gpt-4o-mini", "stg": "gpt-4o-mini", "prod": "gpt-4o-mini"}),
    "INVOICE_PDF_TEMPLATE": (False, {"dev": "invoice-v2", "stg": "invoice-v2"}),
    "DEBUG_SQL": (False, {"dev": "1"}),
}


@dataclass(slots=True)
class EnvVar:
    name: str
    value: str
    is_secret: bool
    updated_at: float


class EnvVarBook:
    """The variables of one environment, keyed by name."""

    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, EnvVar] = {}
        for name, (secret, values) in _SEED.items():
            if env.slug in values:
                self.items[name] = EnvVar(name, values[env.slug], secret, env.start)

    @property
    def title(self) -> str:
        return ENV_TITLES.get(self.env.type, self.env.type.title())

    def sorted(self) -> list[EnvVar]:
        return sorted(self.items.values(), key=lambda v: v.name)

    def get(self, name: str) -> EnvVar | None:
        return self.items.get(name)

    def set(self, name: str, value: str, *, secret: bool = False) -> EnvVar:
        """Create or overwrite. A secret stays secret: the product cannot un-hide a value."""
        old = self.items.get(name)
        var = EnvVar(name, value, secret or (old is not None and old.is_secret), self.env.now)
        self.items[name] = var
        return var

    def delete(self, name: str) -> bool:
        return self.items.pop(name, None) is not None

    def conflicts(self, names: list[str]) -> list[str]:
        return [n for n in names if n in self.items]

    def resolved(self) -> dict[str, str]:
        """What a running task sees: real values, secrets included."""
        return {v.name: v.value for v in self.sorted()}


def usable(variables: dict[str, str]) -> dict[str, str]:
    """Drop what the API drops silently: reserved names, blank names and blank values."""
    return {k: v for k, v in variables.items()
            if k.strip() and v.strip() and k not in RESERVED}


def known_in_project(envs: list[EnvVarBook], name: str) -> bool:
    """The update route looks a name up project-wide before writing this env's value."""
    return any(book.get(name) is not None for book in envs)
