"""After a range run, the UI shows each check's real outcome, per check and per partition.

Stock Dagster leaves a range run's per-partition planned check rows unresolved, so the UI
showed every `fact_events` check as "Skipped" (instance/planned_events.py explains why and
the fix). This asks the running `dagster dev` through GraphQL, as the UI does.
"""

from typing import Any

import pytest

from meetup_pipeline_tests.orchestration.test_webserver import (
    LAUNCH,
    RUN_TIMEOUT_S,
    DagsterDev,
    dagster_dev,  # noqa: F401  (the fixture)
    final_status,
    location_loaded,
)

START, END = "2024-12-28", "2024-12-30"
DAYS = ["2024-12-28", "2024-12-29", "2024-12-30"]

REPO = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } }
  assetNodes { assetKey { path } partitionDefinition { description } } }
"""

CHECKS = """
query Checks($key: AssetKeyInput!) { assetNodeOrError(assetKey: $key) { ... on AssetNode {
  assetChecksOrError { __typename ... on AssetChecks { checks {
    name
    executionForLatestMaterialization { status partition runId }
    partitionStatuses { __typename
      ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } } }
  } } }
} } }
"""


def _checks(ui: DagsterDev, asset: str) -> list[dict[str, Any]]:
    node = ui.graphql(CHECKS, {"key": {"path": [asset]}})["assetNodeOrError"]
    checks = node["assetChecksOrError"]
    assert checks["__typename"] == "AssetChecks", checks
    return checks["checks"]


@pytest.mark.slow
def test_range_run_checks_show_passed_per_check_and_per_partition(
    dagster_dev: DagsterDev,  # noqa: F811
) -> None:
    ui = dagster_dev
    location = ui.wait_for("the code location to load", lambda: location_loaded(ui), 240)
    data = ui.graphql(REPO)
    (repo,) = data["repositoriesOrError"]["nodes"]
    partitioned = [
        n["assetKey"]["path"] for n in data["assetNodes"] if n["partitionDefinition"] is not None
    ]
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": repo["name"],
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": path} for path in partitioned],
        },
        "executionMetadata": {
            "tags": [
                {"key": "dagster/asset_partition_range_start", "value": START},
                {"key": "dagster/asset_partition_range_end", "value": END},
            ]
        },
    }
    launched = ui.graphql(LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]
    status = ui.wait_for("the run to finish", lambda: final_status(ui, run_id), RUN_TIMEOUT_S)
    assert status == "SUCCESS", ui.log_tail()

    every = _checks(ui, "fact_events") + _checks(ui, "raw_rejects")
    # freshness_check (defs/checks/freshness.py) is about the wall clock, not the window,
    # and is not a check of the range's partitions; a 2024 range with no schedule on long
    # enough to be due is not late, so it passed too
    (fresh,) = [c for c in every if c["name"] == "freshness_check"]
    assert fresh["executionForLatestMaterialization"]["status"] == "SUCCEEDED", fresh
    checks = [c for c in every if c["name"] != "freshness_check"]
    assert len(checks) == 5
    for check in checks:
        latest = check["executionForLatestMaterialization"]
        assert latest is not None, check
        assert latest["runId"] == run_id
        # The real outcome, on a partition of the range: never SKIPPED, never partition "-".
        assert latest["status"] == "SUCCEEDED", check
        assert latest["partition"] in DAYS, check
        ranges = check["partitionStatuses"]["ranges"]
        assert ranges == [{"startKey": START, "endKey": END, "status": "SUCCEEDED"}], check
