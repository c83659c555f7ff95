"""What the UI shows about every asset before anything runs."""

import dagster as dg

from meetup_pipeline.definitions import defs
from meetup_pipeline.tables import marts, raw, staging
from meetup_pipeline.warehouse.policy import WindowReplace, policy_of

TABLES = {t.fullname: t for m in (raw, staging, marts) for t in m.metadata.sorted_tables}


def test_every_asset_is_described_and_typed() -> None:
    specs = list(defs.resolve_all_asset_specs())
    assert len(specs) == 18
    for spec in specs:
        name = spec.key.to_user_string()
        assert spec.description, name
        assert spec.kinds, name
        assert spec.group_name in {"raw", "staging", "marts", "dashboard"}, name
        if spec.group_name == "dashboard":
            continue
        assert spec.metadata["dagster/column_schema"].columns, name
        # a window is replaced by `partition_expr` exactly when the table's policy says so;
        # merged dimensions and rebuilt tables read their window but have no such column
        policy = policy_of(TABLES[spec.metadata["dagster/table_name"]])
        expr = spec.metadata.get("partition_expr")
        if isinstance(policy, WindowReplace):
            assert spec.partitions_def is not None and expr == policy.partition_column, name
        else:
            assert expr is None, name


def test_fact_events_column_lineage_points_at_staging() -> None:
    (spec,) = [s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey("fact_events")]
    lineage = spec.metadata["dagster/column_lineage"].deps_by_column
    assert lineage["rsvp_yes_count"] == [
        dg.TableColumnDep(asset_key=dg.AssetKey("stg_events"), column_name="rsvp_yes_count")
    ]
    assert "event_key" not in lineage  # computed, not carried
