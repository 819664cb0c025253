"""Time in GridApp: instants stored in UTC, dates and display in Asia/Shanghai.

`now()` and `today()` are the app's only clock: nothing else asks the system for the time (the
tests freeze both with time-machine, tests/conftest.py)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current instant, timezone-aware in UTC (as stored)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date where the schools are, not where the server's clock is."""
    return datetime.now(SHANGHAI).date()


def local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(SHANGHAI)


def format_datetime(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    value = local(dt)
    return value.strftime(fmt) if value else ""


def format_date(d: date | None) -> str:
    return d.strftime("%Y-%m-%d") if d else ""
