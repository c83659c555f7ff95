"""What the UI shows about every asset before anything runs."""

import dagster as dg

from meetup_pipeline.definitions import defs

MERGED = {
    "dim_group", "dim_venue", "dim_topic", "bridge_group_topic", "fact_group_snapshots",
    "dim_holiday",
}  # fmt: skip
"""Dimensions (and the member-count history) read their window but are upserted; the
bridge and the holidays are rebuilt whole. None of them is replaced by a partition predicate."""


def test_every_asset_is_described_and_typed() -> None:
    specs = list(defs.resolve_all_asset_specs())
    assert len(specs) == 18
    for spec in specs:
        name = spec.key.to_user_string()
        assert spec.description, name
        assert spec.kinds, name
        assert spec.group_name in {"raw", "staging", "marts", "dashboard"}, name
        if spec.group_name != "dashboard":
            assert spec.metadata["dagster/column_schema"].columns, name
        if spec.partitions_def is not None and name not in MERGED:
            assert spec.metadata.get("partition_expr"), name


def test_fact_events_column_lineage_points_at_staging() -> None:
    (spec,) = [s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey("fact_events")]
    lineage = spec.metadata["dagster/column_lineage"].deps_by_column
    assert lineage["rsvp_yes_count"] == [
        dg.TableColumnDep(asset_key=dg.AssetKey("stg_events"), column_name="rsvp_yes_count")
    ]
    assert "event_key" not in lineage  # computed, not carried
