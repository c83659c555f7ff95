"""The run queue, the `meetup_api` pool and the daily run's tags fit together."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance import InstanceRef
from dagster._core.instance.config import dagster_instance_config

from meetup_pipeline.definitions import defs
from meetup_pipeline.defs.automation.schedules import DAILY_RUN_PRIORITY, daily_run_tags

REPO_ROOT = Path(__file__).resolve().parents[2]
POOL = "meetup_api"
STORAGE_VARS = (
    "MEETUP_DAGSTER_STORAGE_URL",
    "DAGSTER_POSTGRES_HOST",
    "DAGSTER_POSTGRES_USER",
    "DAGSTER_POSTGRES_PASSWORD",
    "DAGSTER_POSTGRES_DB",
    "DAGSTER_POSTGRES_PORT",
)


@pytest.mark.parametrize("config_dir", [".", "deploy"])
def test_queue_limits_leave_the_daily_run_a_slot(config_dir: str) -> None:
    config, _ = dagster_instance_config(str(REPO_ROOT / config_dir))
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    pools = config["concurrency"]["pools"]
    assert pools["default_limit"] == 1
    assert pools["granularity"] == "op"
    runs = config["concurrency"]["runs"]
    (backfill,) = runs["tag_concurrency_limits"]
    assert backfill["key"] == "dagster/backfill"
    assert "value" not in backfill  # every backfill run, whatever its backfill id
    # Backfill runs can never take every slot, and the daily run is not a backfill run.
    assert backfill["limit"] < runs["max_concurrent_runs"]
    tags = daily_run_tags("2024-12-24", "2024-12-31")
    assert "dagster/backfill" not in tags
    assert int(tags["dagster/priority"]) == DAILY_RUN_PRIORITY > 0


def test_every_step_that_calls_meetup_is_in_the_pool() -> None:
    """A new asset using the `meetup` resource must join the pool, or it escapes the limit."""
    repo = defs.get_repository_def()
    calling = {
        assets_def.node_def.name: assets_def.op.pool
        for assets_def in repo.assets_defs_by_key.values()
        if assets_def.is_executable and "meetup" in assets_def.required_resource_keys
    }
    assert {"raw_meetup", "upcoming_events"} <= set(calling)
    assert set(calling.values()) == {POOL}
    pools = {
        assets_def.op.pool
        for assets_def in repo.assets_defs_by_key.values()
        if assets_def.is_executable and assets_def.op.pool
    }
    assert pools == {POOL}


@pytest.fixture
def instance(monkeypatch: pytest.MonkeyPatch) -> Iterator[dg.DagsterInstance]:
    """The committed dagster.yaml on the session's embedded PostgreSQL (MEETUP_HOME)."""
    for name in (*STORAGE_VARS, "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    home = tempfile.mkdtemp(prefix="meetup-dh-")
    ref = InstanceRef.from_dir(home, config_dir=str(REPO_ROOT))
    with dg.DagsterInstance.from_ref(ref) as inst:
        yield inst
        inst.event_log_storage.delete_concurrency_limit(POOL)


def test_daily_step_overtakes_waiting_backfill_steps(instance: dg.DagsterInstance) -> None:
    """Pool claims on the real storage: higher run priority is served first, limit 1."""
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)
    assert storage.get_concurrency_info(POOL).slot_count == 1

    running = storage.claim_concurrency_slot(POOL, "backfill-1", "raw_meetup", priority=0)
    assert running.is_claimed
    waiting_backfill = storage.claim_concurrency_slot(POOL, "backfill-2", "raw_meetup", 0)
    waiting_daily = storage.claim_concurrency_slot(POOL, "daily", "raw_meetup", DAILY_RUN_PRIORITY)
    assert not waiting_backfill.is_claimed and not waiting_daily.is_claimed

    # The running step finishes: the daily run's step, queued later, gets the slot first.
    storage.free_concurrency_slot_for_step("backfill-1", "raw_meetup")
    assert not storage.claim_concurrency_slot(POOL, "backfill-2", "raw_meetup", 0).is_claimed
    daily = storage.claim_concurrency_slot(POOL, "daily", "raw_meetup", DAILY_RUN_PRIORITY)
    assert daily.is_claimed
    storage.free_concurrency_slot_for_step("daily", "raw_meetup")
    assert storage.claim_concurrency_slot(POOL, "backfill-2", "raw_meetup", 0).is_claimed
    storage.free_concurrency_slots_for_run("backfill-2")
