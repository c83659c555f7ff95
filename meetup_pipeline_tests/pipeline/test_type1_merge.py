"""A null from the API never erases a known dimension attribute (newest non-null wins)."""

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL

from meetup_pipeline_tests.pipeline.conftest import runner_for

VENUES = "SELECT venue_id, name, city, lat FROM marts.dim_venue WHERE venue_key <> -1"
NULLED = """
    SELECT count(DISTINCT venue_id) FROM staging.stg_venues
    WHERE name IS NULL AND venue_id IN (SELECT venue_id FROM marts.dim_venue WHERE name IS NOT NULL)
"""


def test_field_drift_nulls_do_not_erase_venue_names(
    engine: sa.Engine, warehouse_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = runner_for(warehouse_url)
    assert run("2024-05-01", "2024-05-20").success
    with engine.connect() as conn:
        clean = {r.venue_id: tuple(r) for r in conn.execute(sa.text(VENUES))}
    assert clean and all(v[1] for v in clean.values())

    # every answer drifts: non-null fields (venue names among them) come back null
    monkeypatch.setenv("MEETUP_SANDBOX_FAULTS", "field_drift=1.0,seed=7")
    monkeypatch.setenv("MEETUP_REJECT_BLOCK_RATE", "1")
    assert run("2024-05-01", "2024-05-20").success
    with engine.connect() as conn:
        nulled = conn.execute(sa.text(NULLED)).scalar_one()
        after = {r.venue_id: tuple(r) for r in conn.execute(sa.text(VENUES))}
    assert nulled > 0, "the drift nulled no venue name: the test proves nothing"
    assert after == clean
