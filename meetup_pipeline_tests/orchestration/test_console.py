"""The run console (meetup_pipeline/console.py) as dagster.yaml wires it, on real runs."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from meetup_pipeline.console import LEVEL_ENV

REPO_ROOT = Path(__file__).resolve().parents[2]
DAYS = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-06-01")
RANGE_TAGS = {
    "dagster/asset_partition_range_start": "2024-01-01",
    "dagster/asset_partition_range_end": "2024-01-31",
}


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run())
def counted(context: dg.AssetExecutionContext) -> dg.Output[None]:
    context.log.info("counted wrote its window")
    return dg.Output(
        None, metadata={"dagster/table_name": "marts.counted", "dagster/row_count": 1234}
    )


@dg.asset_check(asset=counted, partitions_def=DAYS)
def counted_ok(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=context.run.tags.get("check") != "fail")


JOB = dg.Definitions(
    assets=[counted], asset_checks=[counted_ok]
).resolve_implicit_global_asset_job_def()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An instance with the committed dagster.yaml's `python_logs` section."""
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"python_logs": config["python_logs"]}) as inst:
        yield inst


def _run(instance: dg.DagsterInstance, **tags: str) -> str:
    result = JOB.execute_in_process(instance=instance, tags={**RANGE_TAGS, **tags})
    assert result.success
    return result.run_id


def test_range_run_prints_step_lines_and_a_summary(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    run_id = _run(instance)
    out = capsys.readouterr()
    text = out.out + out.err
    lines = text.splitlines()
    assert len(lines) < 30, text  # 31 partitions: nothing per partition
    assert not any("Materialized value" in line for line in lines)
    assert any(line.endswith(f"run {run_id} started for 2024-01-01...2024-01-31") for line in lines)
    assert any("counted: done in" in line and "31 partitions" in line for line in lines)
    assert any("marts.counted 1,234 rows" in line for line in lines)
    assert any("counted wrote its window" in line for line in lines)  # the project's INFO
    assert f"run {run_id} succeeded" in text
    assert "checks: 1 passed, 0 failed" in text
    assert "dashboard: " in text
    assert f"/runs/{run_id}" in text


def test_failed_check_is_named(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    _run(instance, check="fail")
    out = capsys.readouterr()
    text = out.out + out.err
    assert "checks: 0 passed, 1 failed" in text
    assert "FAILED counted:counted_ok" in text


def test_debug_brings_every_event_back(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.setenv(LEVEL_ENV, "debug")
    _run(instance)
    out = capsys.readouterr()
    text = out.out + out.err
    assert text.count("ASSET_MATERIALIZATION - Materialized value counted") == 31
    assert "STEP_START" in text
    assert "checks: 1 passed, 0 failed" in text  # the summary still ends the run


@dg.asset(name="dashboard")
def capped_dashboard() -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path("/srv/site/index.html"),
            "events": 270_195,
            "events_on_page": 73_291,
        }
    )


def test_a_capped_dashboard_says_so_in_the_summary(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    job = dg.Definitions(assets=[capped_dashboard]).resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(instance=instance).success
    out = capsys.readouterr()
    text = out.out + out.err
    assert "dashboard: /srv/site/index.html (the newest 73,291 of 270,195 past events)" in text
