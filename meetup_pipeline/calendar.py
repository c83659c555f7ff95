"""The date dimension's rows: calendar attributes and US federal holidays by their rules.

Holidays follow 5 U.S.C. 6103 as in force for each year (Juneteenth from 2021, Martin
Luther King Jr. Day from 1986). A holiday on a Saturday is observed the Friday before and
one on a Sunday the Monday after, so New Year's Day 2022 (a Saturday) is observed on
Friday 2021-12-31, in the previous year.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from typing import Any

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Monday 0) of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def federal_holidays(year: int) -> dict[date, str]:
    """The holidays' own dates in `year`."""
    days = {
        date(year, 1, 1): "New Year's Day",
        _nth_weekday(year, 2, 0, 3): "Washington's Birthday",
        _nth_weekday(year, 5, 0, -1): "Memorial Day",
        date(year, 7, 4): "Independence Day",
        _nth_weekday(year, 9, 0, 1): "Labor Day",
        _nth_weekday(year, 10, 0, 2): "Columbus Day",
        date(year, 11, 11): "Veterans Day",
        _nth_weekday(year, 11, 3, 4): "Thanksgiving Day",
        date(year, 12, 25): "Christmas Day",
    }
    if year >= 1986:
        days[_nth_weekday(year, 1, 0, 3)] = "Birthday of Martin Luther King, Jr."
    if year >= 2021:
        days[date(year, 6, 19)] = "Juneteenth National Independence Day"
    return days


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@cache
def days_off(year: int) -> dict[date, str]:
    """Days off observed in `year` (including next year's New Year's Day on Dec 31)."""
    out: dict[date, str] = {}
    for y in (year, year + 1):
        for day, name in federal_holidays(y).items():
            observed = _observed(day)
            if observed.year == year:
                out[observed] = name if observed == day else f"{name} (observed)"
    return out


def week_of_month(day: date) -> int:
    """The calendar row (weeks start on Monday) of `day` within its month, from 1."""
    first = day.replace(day=1)
    return (day.day - 1 + first.weekday()) // 7 + 1


def date_row(day: date) -> dict[str, Any]:
    iso = day.isocalendar()
    holidays = federal_holidays(day.year)
    observed = days_off(day.year)
    return {
        "date_key": day.year * 10000 + day.month * 100 + day.day,
        "date_day": day,
        "iso_date": day.isoformat(),
        "us_date": f"{day.month:02d}/{day.day:02d}/{day.year:04d}",
        "long_date": f"{DAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}, {day.year}",
        "year": day.year,
        "quarter": (day.month - 1) // 3 + 1,
        "month": day.month,
        "month_name": MONTHS[day.month - 1],
        "month_abbr": MONTHS[day.month - 1][:3],
        "day_of_month": day.day,
        "day_of_year": day.timetuple().tm_yday,
        "day_of_week": iso.weekday,
        "day_name": DAYS[day.weekday()],
        "day_abbr": DAYS[day.weekday()][:3],
        "iso_year": iso.year,
        "iso_week": iso.week,
        "week_of_month": week_of_month(day),
        "is_weekend": day.weekday() >= 5,
        "holiday_name": holidays.get(day) or observed.get(day),
        "is_holiday": day in holidays,
        "is_day_off": day in observed,
    }


def date_rows(start: date, end: date) -> Iterator[dict[str, Any]]:
    """One row per day in [start, end)."""
    day = start
    while day < end:
        yield date_row(day)
        day += timedelta(days=1)
