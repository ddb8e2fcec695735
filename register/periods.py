"""Calendar arithmetic in months (payment periods YYYY-MM, retention in months)."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> tuple[int, int] | None:
    match = _PERIOD.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def add_months_to_period(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` earlier (clamped to the month's last day)."""
    year, month = add_months_to_period(moment.year, moment.month, -months)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
