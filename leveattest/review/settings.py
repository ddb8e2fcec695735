"""The review console's section of the settings tree (``LEVEATTEST_REVIEW__*``): see
:class:`leveattest.core.settings.ReviewSettings`."""

from __future__ import annotations

from leveattest.core.settings import ReviewSettings

__all__ = ["ReviewSettings"]
