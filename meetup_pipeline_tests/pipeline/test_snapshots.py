"""fact_group_snapshots is history: one row per group and day the count was observed."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline_tests.pipeline.conftest import runner_for

LA = ZoneInfo("America/Los_Angeles")


def history(engine: sa.Engine) -> list[sa.Row]:
    sql = (
        "SELECT snapshot_date, date_key, group_key, member_count, observed_at "
        "FROM marts.fact_group_snapshots ORDER BY snapshot_date, group_key"
    )
    with engine.connect() as conn:
        return list(conn.execute(sa.text(sql)))


def test_a_backfill_records_todays_observations_only(engine: sa.Engine, warehouse_url: URL) -> None:
    run = runner_for(warehouse_url)
    before = datetime.now(LA).date()
    assert run("2024-02-01", "2024-02-29").success
    rows = history(engine)
    today = rows[0].snapshot_date if rows else before
    assert today in {before, datetime.now(LA).date()}  # the run's Bay Area day
    with engine.connect() as conn:
        groups = conn.execute(sa.text("SELECT count(DISTINCT group_id) FROM staging.stg_groups"))
        n_groups = groups.scalar_one()
    assert n_groups > 5
    # Today's reading, once per group, whatever days of February the groups hosted on.
    assert {r.snapshot_date for r in rows} == {today}, "a backfill forged past days"
    assert {r.date_key for r in rows} == {int(today.strftime("%Y%m%d"))}
    assert len(rows) == len({r.group_key for r in rows}) == n_groups

    # Pretend those readings were taken yesterday; a re-run today must keep them and add
    # today's, and a second re-run today must replace only today's.
    yesterday = today - timedelta(days=1)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE marts.fact_group_snapshots SET snapshot_date = :d, "
                "date_key = :k, member_count = member_count - 1, "
                "observed_at = observed_at - interval '1 day'"
            ),
            {"d": yesterday, "k": int(yesterday.strftime("%Y%m%d"))},
        )
    kept = history(engine)
    assert run("2024-02-10", "2024-02-12").success
    after = history(engine)
    assert [r for r in after if r.snapshot_date == yesterday] == kept
    first_today = {r.group_key: r.observed_at for r in after if r.snapshot_date == today}
    assert 0 < len(first_today) <= n_groups

    assert run("2024-02-10", "2024-02-12").success
    again = history(engine)
    assert [r for r in again if r.snapshot_date == yesterday] == kept
    second_today = {r.group_key: r.observed_at for r in again if r.snapshot_date == today}
    assert second_today.keys() == first_today.keys()
    assert all(second_today[k] > first_today[k] for k in first_today), "newest reading wins"
