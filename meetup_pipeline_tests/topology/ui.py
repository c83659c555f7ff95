"""What the Dagster UI sends to the webserver, as the tests send it (GraphQL over HTTP).

The mutations are the UI's own: the Materialize dialog launches a partition range as a
backfill (`launchPartitionBackfill` with the asset selection and the partition keys) or,
with "single run" chosen, as one run tagged with the range (`launchRun`); the Runs page
terminates with `terminateRuns` and `SAFE_TERMINATE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetup_pipeline_tests.topology.harness import Topology

FINAL = ("SUCCESS", "FAILURE", "CANCELED")

REPOSITORIES = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } }
  assetNodes { assetKey { path } partitionDefinition { description } } }
"""

LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on Error { message }
  }
}
"""

BACKFILL = """
query Backfill($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { status runs(limit: 100) { runId status } } } }
"""

LAUNCH_RUN = """
mutation LaunchRun($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on Error { message }
  }
}
"""

RUN = """
query Run($id: ID!) { runOrError(runId: $id) { __typename ... on Run {
  runId status startTime endTime tags { key value } } } }
"""

RUNS = """
{ runsOrError(limit: 500) { ... on Runs { results {
  runId status tags { key value } } } } }
"""

TERMINATE = """
mutation Terminate($runIds: [String!]!, $terminatePolicy: TerminateRunPolicy) {
  terminateRuns(runIds: $runIds, terminatePolicy: $terminatePolicy) {
    __typename
    ... on TerminateRunsResult { terminateRunResults { __typename
      ... on TerminateRunFailure { message } } }
    ... on PythonError { message }
  }
}
"""

INSTIGATORS = """
query Instigators($schedule: ScheduleSelector!, $sensor: SensorSelector!) {
  scheduleOrError(scheduleSelector: $schedule) { __typename ... on Schedule {
    id cronSchedule scheduleState { status ticks(limit: 1000) { tickId status runIds } } } }
  sensorOrError(sensorSelector: $sensor) { __typename ... on Sensor {
    sensorState { status
      typeSpecificData { ... on SensorData { lastCursor } }
      ticks(limit: 1000) { tickId status runIds } } } }
}
"""

STOP_SCHEDULE = """
mutation StopRunningSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""


@dataclass(frozen=True)
class Ui:
    """The webserver, addressed the way the UI addresses it."""

    topology: Topology
    location: str
    repository: str
    partitioned: tuple[str, ...]

    @classmethod
    def of(cls, topology: Topology) -> Ui | None:
        """The one code location's repository, or None while the webserver has none."""
        data = topology.graphql(REPOSITORIES)
        nodes = data["repositoriesOrError"].get("nodes") or []
        if len(nodes) != 1:
            return None
        (repo,) = nodes
        partitioned = sorted(
            "/".join(n["assetKey"]["path"]) for n in data["assetNodes"] if n["partitionDefinition"]
        )
        return cls(topology, repo["location"]["name"], repo["name"], tuple(partitioned))

    def launch_backfill(self, keys: list[str], partitions: list[str]) -> str:
        params = {
            "assetSelection": [{"path": key.split("/")} for key in keys],
            "partitionNames": partitions,
            "fromFailure": False,
            "tags": [{"key": "dagster/from_ui", "value": "true"}],
        }
        answer = self.topology.graphql(LAUNCH_BACKFILL, {"backfillParams": params})
        launched = answer["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        return str(launched["backfillId"])

    def backfill(self, backfill_id: str) -> dict[str, Any]:
        return self.topology.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]

    def launch_run(self, keys: list[str], tags: dict[str, str]) -> dict[str, Any]:
        params = {
            "selector": {
                "repositoryLocationName": self.location,
                "repositoryName": self.repository,
                "jobName": "__ASSET_JOB",
                "assetSelection": [{"path": key.split("/")} for key in keys],
            },
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
        }
        launched = self.topology.graphql(LAUNCH_RUN, {"executionParams": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        return dict(launched["run"])

    def run(self, run_id: str) -> dict[str, Any]:
        run = self.topology.graphql(RUN, {"id": run_id})["runOrError"]
        run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
        return dict(run)

    def runs(self) -> list[dict[str, Any]]:
        results = self.topology.graphql(RUNS)["runsOrError"]["results"]
        for run in results:
            run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
        return list(results)

    def final_status(self, run_id: str) -> str | None:
        status = self.run(run_id)["status"]
        return status if status in FINAL else None

    def terminate(self, run_id: str) -> None:
        answer = self.topology.graphql(
            TERMINATE, {"runIds": [run_id], "terminatePolicy": "SAFE_TERMINATE"}
        )["terminateRuns"]
        assert answer["__typename"] == "TerminateRunsResult", answer
        (result,) = answer["terminateRunResults"]
        assert result["__typename"] == "TerminateRunSuccess", result

    def stop_schedule(self, schedule_id: str) -> None:
        """The schedule's on/off switch in the UI, switched off."""
        answer = self.topology.graphql(STOP_SCHEDULE, {"id": schedule_id})["stopRunningSchedule"]
        assert answer["__typename"] == "ScheduleStateResult", answer
        assert answer["scheduleState"]["status"] == "STOPPED", answer

    def instigators(self, schedule: str, sensor: str) -> dict[str, Any]:
        repo = {"repositoryLocationName": self.location, "repositoryName": self.repository}
        return self.topology.graphql(
            INSTIGATORS,
            {
                "schedule": {**repo, "scheduleName": schedule},
                "sensor": {**repo, "sensorName": sensor},
            },
        )
