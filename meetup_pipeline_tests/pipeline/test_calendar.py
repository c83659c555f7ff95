"""dim_date's rules: federal holidays with observed days, ISO weeks, week of month."""

from datetime import date

import pytest

from meetup_pipeline.calendar import date_row, date_rows, days_off, federal_holidays


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2024, 1, 15), "Birthday of Martin Luther King, Jr."),  # third Monday
        (date(2024, 2, 19), "Washington's Birthday"),
        (date(2024, 5, 27), "Memorial Day"),  # last Monday
        (date(2024, 6, 19), "Juneteenth National Independence Day"),
        (date(2024, 9, 2), "Labor Day"),
        (date(2024, 10, 14), "Columbus Day"),
        (date(2024, 11, 28), "Thanksgiving Day"),  # fourth Thursday
    ],
)
def test_rule_based_holidays(day: date, name: str) -> None:
    assert federal_holidays(day.year)[day] == name


def test_holidays_that_did_not_exist_yet() -> None:
    assert "Juneteenth National Independence Day" not in federal_holidays(2020).values()
    assert "Birthday of Martin Luther King, Jr." not in federal_holidays(1985).values()


def test_observed_days_move_off_weekends_even_across_years() -> None:
    # 2022-01-01 was a Saturday: observed on Friday 2021-12-31, in the previous year.
    assert days_off(2021)[date(2021, 12, 31)] == "New Year's Day (observed)"
    assert date(2022, 1, 1) not in days_off(2022)
    assert days_off(2020)[date(2020, 7, 3)] == "Independence Day (observed)"  # Sat -> Fri
    assert days_off(2022)[date(2022, 6, 20)].startswith("Juneteenth")  # Sun -> Mon
    row = date_row(date(2021, 12, 31))
    assert row["is_day_off"] and not row["is_holiday"]
    assert row["holiday_name"] == "New Year's Day (observed)"
    saturday = date_row(date(2022, 1, 1))
    assert saturday["is_holiday"] and not saturday["is_day_off"]


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
