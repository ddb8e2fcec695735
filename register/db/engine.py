"""Engines and sessions for the register. SQLite is the embedded default, PostgreSQL the
production store.

SQLite transactions start with ``BEGIN IMMEDIATE`` (see ``leveattest.persistence``) so
that the read-then-append of the hash chain and the change counter cannot interleave
between processes; on PostgreSQL the same serialisation comes from row locks on
``register_heads``.
"""

from __future__ import annotations

from leveattest.persistence import make_engine, make_session_factory

__all__ = ["make_engine", "make_session_factory"]
