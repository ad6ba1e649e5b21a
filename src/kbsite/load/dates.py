"""Front-matter dates as people (and Hexo, Jekyll, Hugo) write them, always timezone-aware."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

# 2026-01-11, 2026/1/11, 2026.01.11, 2026年1月11日, then optionally a time (9:30, 09:30:05.123)
# after a space or T, then optionally a zone: Z, UTC, +08:00, +0800, +08, or " +0800" (Jekyll).
_DATE_RE = re.compile(
    r"""^(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})
        (?:[ T]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)
           \s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_HAN_DATE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?(?:\s+(.+))?$")

DATE_FORMATS_HINT = "use 2026-01-11, 2026-01-11 09:30, or 2026-01-11T09:30:00+08:00"


class DateError(ValueError):
    """A date string that kbsite cannot read."""


def parse_date(value: object, default_tz: tzinfo) -> datetime:
    """Parse a front-matter date; naive times take the site's time zone."""
    parsed = _parse(value, default_tz)
    # Far years overflow when sorted by timestamp or shown in a time zone; none is a real note.
    if not 1000 <= parsed.year <= 9998:
        raise DateError(f"year {parsed.year} is out of range (1000 to 9998)")
    return parsed


def _parse(value: object, default_tz: tzinfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=default_tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=default_tz)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DateError(f"expected a date, got {type(value).__name__}; {DATE_FORMATS_HINT}")
    text = " ".join(str(value).split()).strip("'\"")
    han = _HAN_DATE.match(text)
    if han:  # 2026年1月11日 09:30
        text = f"{han[1]}-{han[2]}-{han[3]}" + (f" {han[4]}" if han[4] else "")
    match = _DATE_RE.match(text)
    if not match:
        return _parse_email_date(text, default_tz)
    try:
        parsed = datetime(
            int(match["year"]), int(match["month"]), int(match["day"]), *_time(match["time"])
        )
        zone = _zone(match["zone"])
    except ValueError as exc:
        raise DateError(f"invalid date '{text}': {exc}; {DATE_FORMATS_HINT}") from None
    return parsed.replace(tzinfo=zone or default_tz)


def _time(text: str | None) -> tuple[int, int, int, int]:
    """Return hour, minute, second and microsecond of `9:30`, `09:30:05` or `09:30:05.25`."""
    if not text:
        return 0, 0, 0, 0
    parts = re.split(r"[:.,]", text)
    hour, minute = int(parts[0]), int(parts[1])
    second = int(parts[2]) if len(parts) > 2 else 0
    micro = int(parts[3][:6].ljust(6, "0")) if len(parts) > 3 else 0
    return hour, minute, second, micro


def _zone(text: str | None) -> tzinfo | None:
    """Return the zone of `Z`, `UTC`, `+08:00`, `+0800` or `+08`; None when absent."""
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"time zone offset {text} out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def _parse_email_date(text: str, default_tz: tzinfo) -> datetime:
    """Read an RFC 2822 date (`Sun, 11 Jan 2026 09:30:00 +0800`), as some exporters write."""
    from email.utils import parsedate_to_datetime  # rare: not worth 7 ms of every start

    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise DateError(f"cannot read date '{text}'; {DATE_FORMATS_HINT}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_tz)
