"""The register's section of the settings tree (``LEVEATTEST_REGISTER__*``).

Defined in :mod:`leveattest.core.settings` with every other section, so that one
``Settings`` (and one production switch, ``LEVEATTEST_ENVIRONMENT``) governs the register
whether it runs in-process under ``leveattest serve`` or alone (``register serve``).
"""

from __future__ import annotations

from leveattest.core.keys import KeyRing
from leveattest.core.settings import (
    ALL_SCOPES,
    COMPANY_SCOPES,
    DEV_REGISTER_SECRET,
    SCOPE_READ,
    SCOPE_RELATIONSHIPS,
    SCOPE_REQUESTS,
    SCOPE_SUBJECT_ACCESS,
    RegisterSettings,
    load_settings,
)

__all__ = [
    "ALL_SCOPES",
    "COMPANY_SCOPES",
    "DEV_REGISTER_SECRET",
    "SCOPE_READ",
    "SCOPE_RELATIONSHIPS",
    "SCOPE_REQUESTS",
    "SCOPE_SUBJECT_ACCESS",
    "RegisterSettings",
    "load_register_settings",
    "register_keyring",
]


def load_register_settings() -> RegisterSettings:
    """The register's section of the settings read from the environment (the whole tree
    is read and checked: an unknown variable or an insecure production setup fails)."""
    return load_settings().register


def register_keyring(settings: RegisterSettings) -> KeyRing:
    """The register's secret and its previous ones: every register key derives from it."""
    return KeyRing.from_secrets(
        settings.secret.get_secret_value(),
        [secret.get_secret_value() for secret in settings.previous_secrets],
    )
