"""Declarative base of the register's own schema (stable constraint names in migrations)."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from leveattest.persistence import NAMING_CONVENTION, UTCDateTime

__all__ = ["NAMING_CONVENTION", "Base", "UTCDateTime"]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
