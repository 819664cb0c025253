"""Time in GridApp: instants stored in UTC, dates and display in Asia/Shanghai."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


# Tests pin "today" so that date rules (semesters, deadlines) do not move with the clock.
FIXED_TODAY: date | None = None


def today() -> date:
    """Today's date where the schools are, not where the server's clock is."""
    if FIXED_TODAY is not None:
        return FIXED_TODAY
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
