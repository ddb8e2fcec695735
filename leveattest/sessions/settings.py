"""The sessions section of the settings tree (``LEVEATTEST_SESSIONS__*``): see
:class:`leveattest.core.settings.SessionSettings`."""

from __future__ import annotations

from leveattest.core.settings import REQUIRED_PARTS_DEFAULT, SessionSettings

__all__ = ["REQUIRED_PARTS_DEFAULT", "SessionSettings"]
