"""Front-matter dates as people write them, always returned timezone-aware."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

# 2026-01-11, 2026-01-11 09:30, 2026-01-11T09:30:00, 2026-01-11 09:30:00.5+08:00, ...Z
_DATE_RE = re.compile(
    r"""^(?P<date>\d{4}-\d{1,2}-\d{1,2})
        (?:[ T]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)
           \s*(?P<zone>Z|[+-]\d{2}:?\d{2})?)?$""",
    re.VERBOSE,
)

DATE_FORMATS_HINT = "use 2026-01-11, 2026-01-11 09:30, or 2026-01-11T09:30:00+08:00"


class DateError(ValueError):
    """A date string that kbsite cannot read."""


def parse_date(value: object, default_tz: tzinfo) -> datetime:
    """Parse a front-matter date; naive times take the site's time zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=default_tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=default_tz)
    text = str(value).strip().strip("'\"")
    match = _DATE_RE.match(text)
    if not match:
        raise DateError(f"cannot read date '{text}'; {DATE_FORMATS_HINT}")
    iso = match["date"]
    year, month, day = (int(part) for part in iso.split("-"))
    time = match["time"] or "00:00"
    zone = match["zone"]
    if zone == "Z":
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = datetime.fromisoformat(
            f"{year:04d}-{month:02d}-{day:02d}T{_pad_time(time)}{zone or ''}"
        )
    except ValueError as exc:
        raise DateError(f"invalid date '{text}': {exc}; {DATE_FORMATS_HINT}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)


def _pad_time(time: str) -> str:
    hour, rest = time.split(":", 1)
    return f"{int(hour):02d}:{rest}"
