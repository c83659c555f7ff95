"""dim_date's rules (ISO weeks, week of month) and dim_holiday's: each country's public
holidays from the `holidays` package, with days off in lieu."""

from datetime import date

import pytest

from meetup_pipeline.calendar import date_row, date_rows, holiday_rows


def holidays_of(country: str, year: int) -> dict[date, tuple[str, bool]]:
    return {
        r["date_day"]: (r["holiday_name"], r["is_observed"])
        for r in holiday_rows([country], [year])
    }


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2024, 1, 15), "Martin Luther King Jr. Day"),  # third Monday
        (date(2024, 2, 19), "Washington's Birthday"),
        (date(2024, 5, 27), "Memorial Day"),  # last Monday
        (date(2024, 6, 19), "Juneteenth National Independence Day"),
        (date(2024, 9, 2), "Labor Day"),
        (date(2024, 11, 28), "Thanksgiving Day"),  # fourth Thursday
    ],
)
def test_us_holidays_by_their_rules(day: date, name: str) -> None:
    assert holidays_of("US", day.year)[day] == (name, False)


def test_holidays_that_did_not_exist_yet() -> None:
    assert "Juneteenth National Independence Day" not in {
        n for n, _ in holidays_of("US", 2020).values()
    }


def test_observed_days_move_off_weekends_even_across_years() -> None:
    # 2022-01-01 was a Saturday: observed on Friday 2021-12-31, in the previous year.
    assert holidays_of("US", 2021)[date(2021, 12, 31)] == ("New Year's Day (observed)", True)
    assert holidays_of("US", 2022)[date(2022, 1, 1)] == ("New Year's Day", False)
    assert holidays_of("US", 2020)[date(2020, 7, 3)] == ("Independence Day (observed)", True)


def test_each_country_its_own_holidays_and_unknown_countries_none() -> None:
    rows = list(holiday_rows(["AU", "NP", "DE", "XX", ""], [2024]))
    assert {r["country"] for r in rows} == {"AU", "NP", "DE"}
    easter_monday = {r["country"] for r in rows if r["date_day"] == date(2024, 4, 1)}
    assert easter_monday == {"AU", "DE"}  # not a holiday in Nepal
    assert all(r["date_key"] == int(r["date_day"].strftime("%Y%m%d")) for r in rows)
    keys = [(r["date_key"], r["country"]) for r in rows]
    assert len(keys) == len(set(keys))  # two holidays on one day share one row
    assert all(r["date_day"].year == 2024 for r in rows)
    assert "holiday_name" not in date_row(date(2024, 4, 1))  # dim_date is a plain calendar


def test_formats_and_weeks_at_year_ends() -> None:
    row = date_row(date(2024, 2, 14))
    assert (row["date_key"], row["iso_date"], row["us_date"]) == (
        20240214,
        "2024-02-14",
        "02/14/2024",
    )
    assert row["long_date"] == "Wednesday, February 14, 2024"
    assert (row["day_abbr"], row["month_abbr"], row["day_of_week"]) == ("Wed", "Feb", 3)
    # 2024-12-30 is in ISO week 1 of 2025; 2021-01-01 in week 53 of 2020.
    assert (date_row(date(2024, 12, 30))["iso_year"], date_row(date(2024, 12, 30))["iso_week"]) == (
        2025,
        1,
    )
    assert (date_row(date(2021, 1, 1))["iso_year"], date_row(date(2021, 1, 1))["iso_week"]) == (
        2020,
        53,
    )
    # Week of month is the Monday-based calendar row: Dec 2024 starts on a Sunday.
    assert [date_row(date(2024, 12, d))["week_of_month"] for d in (1, 2, 8, 9, 30, 31)] == [
        1,
        2,
        2,
        3,
        6,
        6,
    ]
    assert date_row(date(2024, 12, 31))["day_of_year"] == 366
    assert all(r["week_of_month"] >= 1 for r in date_rows(date(2020, 1, 1), date(2025, 1, 1)))
    assert len(list(date_rows(date(2024, 1, 1), date(2025, 1, 1)))) == 366
