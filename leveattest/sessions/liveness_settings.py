"""Liveness settings from the environment (prefix ``LEVEATTEST_LIVENESS__``).

The engine's :class:`~leveattest.face.liveness.settings.LivenessSettings` is a plain model
(the pure engine reads no environment, and ``core.Settings`` may not import the face
package); the application reads it here, once per process, so that the API issuing a
challenge and the worker verifying it use the same challenge shape and thresholds.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from leveattest.face.liveness.settings import LivenessSettings


class LivenessEnvSettings(BaseSettings, LivenessSettings):
    model_config = SettingsConfigDict(env_prefix="LEVEATTEST_LIVENESS__", extra="ignore")


@lru_cache(maxsize=1)
def liveness_settings() -> LivenessSettings:
    """This process's liveness settings (read from the environment once)."""
    return LivenessEnvSettings()
