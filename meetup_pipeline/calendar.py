"""The date dimension's rows (a calendar, the same date in every zone) and the public
holidays of each country, from the maintained `holidays` package.

A day is a local day: an event's `date_key` is the date it starts in its own zone, so a
holiday applies to an event when it is a holiday of the event's group's country on that
date (`marts.dim_holiday`, keyed by date and country). Observed days off count: New
Year's Day 2022 (a Saturday) was observed in the US on Friday 2021-12-31, in the previous
year, and such a day is marked `is_observed`.
"""

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

import holidays

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def week_of_month(day: date) -> int:
    """The calendar row (weeks start on Monday) of `day` within its month, from 1."""
    first = day.replace(day=1)
    return (day.day - 1 + first.weekday()) // 7 + 1


def date_row(day: date) -> dict[str, Any]:
    iso = day.isocalendar()
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
    }


def date_rows(start: date, end: date) -> Iterator[dict[str, Any]]:
    """One row per day in [start, end)."""
    day = start
    while day < end:
        yield date_row(day)
        day += timedelta(days=1)


HOLIDAY_LANGUAGE = "en_US"
"""Names in English where the package has them (otherwise in the country's language)."""


def supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def holiday_rows(countries: Iterable[str], years: Iterable[int]) -> Iterator[dict[str, Any]]:
    """One row per (day, country) that is a public holiday there or a day off in lieu.

    Countries the package does not know (or a blank) have no rows; a fact on such a day
    simply finds no holiday.
    """
    known = supported_countries()
    span = sorted(set(years))
    for country in sorted({c for c in countries if c in known}):
        with_observed = holidays.country_holidays(
            country, years=span, observed=True, language=HOLIDAY_LANGUAGE
        )
        actual = holidays.country_holidays(
            country, years=span, observed=False, language=HOLIDAY_LANGUAGE
        )
        for day, name in sorted(with_observed.items()):
            if day.year not in span:
                continue
            yield {
                "date_key": day.year * 10000 + day.month * 100 + day.day,
                "country": country,
                "date_day": day,
                "holiday_name": name,
                "is_observed": day not in actual,
            }
