"""Alembic environment for leveattest's own tables (version table leveattest_alembic_version)."""

from __future__ import annotations

import leveattest.jobs.models
import leveattest.review.models
import leveattest.sessions.models  # noqa: F401  (register the tables on Base.metadata)
from leveattest.persistence.alembic_env import run_online
from leveattest.sessions.db import VERSION_TABLE, Base, make_engine

run_online(
    Base.metadata,
    VERSION_TABLE,
    make_engine,
    # procrastinate's tables (migration 0002) are not modelled here
    include_name=lambda name, kind, _parent: (
        not (kind == "table" and (name or "").startswith("procrastinate_"))
    ),
)
