"""The run console (meetup_pipeline/console.py) as dagster.yaml wires it, on real runs."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from meetup_pipeline.console import label_check_steps
from meetup_pipeline.settings.console import LEVEL_ENV

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
    assert "checks: 0 passed, 1 failed\n" in text
    assert "FAILED counted: ok\n" in text


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


@dg.asset_check(asset=counted, partitions_def=DAYS)
def counted_fresh() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=False, severity=dg.AssetCheckSeverity.WARN, description="Late: 2024-02-01 is due."
    )


def _text(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    return out.out + out.err


def test_check_steps_are_named_after_their_checks(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """Dagster's op names (`counted_counted_ok`, `freshness_check_4b2929d6`) are not shown."""
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    label_check_steps([counted_ok])
    _run(instance)
    text = _text(capsys)
    assert "counted_counted_ok" not in text, text
    assert " - counted: ok: started\n" in text, text
    assert " - counted: ok: done in " in text, text


def test_the_project_names_its_check_steps() -> None:
    from meetup_pipeline.console import step_label
    from meetup_pipeline.definitions import defs

    ops = {c.node_def.name for c in defs.get_repository_def().asset_checks_defs_by_key.values()}
    labels = {op: step_label(op) for op in ops}
    assert labels["fact_events_fact_events_keys_resolve"] == "fact_events: keys_resolve"
    assert labels["fact_events_freshness_check"] == "fact_events: freshness_check"
    assert all(":" in label for label in labels.values()), labels


def test_a_warn_check_reads_failed_warn_as_in_the_ui(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    """The UI shows a failed WARN check as "Failed" (warning icon): the console says FAILED
    (WARN), with the check's reason, and never another word for it."""
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    job = dg.Definitions(
        assets=[counted], asset_checks=[counted_ok, counted_fresh]
    ).resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(instance=instance, tags=RANGE_TAGS).success
    text = _text(capsys)
    assert "check counted: fresh: FAILED (WARN): Late: 2024-02-01 is due." in text
    assert "checks: 1 passed, 1 failed (1 of them WARN" in text, text
    assert "    FAILED counted: fresh (WARN)\n" in text, text
    assert "WARNED" not in text and "WARNING" not in text, text


@dg.asset(partitions_def=DAYS, backfill_policy=dg.BackfillPolicy.single_run(), deps=[counted])
def broken() -> None:
    raise RuntimeError("the warehouse went away")


def _fail(instance: dg.DagsterInstance, *assets: dg.AssetsDefinition) -> str:
    job = dg.Definitions(assets=list(assets)).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, tags=RANGE_TAGS, raise_on_error=False)
    assert not result.success
    return result.run_id


def test_a_failed_run_says_what_it_wrote_before_failing(
    instance: dg.DagsterInstance, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    monkeypatch.delenv(LEVEL_ENV, raising=False)
    _fail(instance, counted, broken)
    text = _text(capsys)
    assert "rows per table:" not in text, text
    assert "  tables written before the failure (rows):\n    marts.counted" in text, text

    _fail(instance, broken)  # nothing written at all
    text = _text(capsys)
    assert "rows per table:" not in text, text
    assert "tables written" not in text, text
    assert "  no table was written\n" in text, text
