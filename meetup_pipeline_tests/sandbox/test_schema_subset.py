"""The sandbox's schema file is a faithful subset of the live October 2025 schema."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)

from meetup_pipeline.sandbox.resolvers import SCHEMA_PATH

from .conftest import SHARED


def _schemas() -> tuple[GraphQLSchema, GraphQLSchema]:
    real = build_schema((SHARED / "gql-ext.graphql").read_text(encoding="utf-8"))
    ours = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    return real, ours


def _args(field: object) -> dict[str, tuple[str, object]]:
    return {n: (str(a.type), a.default_value) for n, a in field.args.items()}  # type: ignore[attr-defined]


def test_every_type_matches_the_live_schema_field_by_field() -> None:
    real, ours = _schemas()
    checked = 0
    for name, ours_type in ours.type_map.items():
        if name.startswith("__"):
            continue
        assert name in real.type_map, f"{name} is not in the live schema"
        real_type = real.type_map[name]
        assert type(ours_type) is type(real_type), name
        if isinstance(ours_type, GraphQLObjectType):
            for fname, field in ours_type.fields.items():
                assert fname in real_type.fields, f"{name}.{fname} is not in the live schema"
                live = real_type.fields[fname]
                assert str(field.type) == str(live.type), f"{name}.{fname} type/nullability"
                assert _args(field) == _args(live), f"{name}.{fname} arguments"
                checked += 1
        elif isinstance(ours_type, GraphQLInputObjectType):
            # inputs are complete, so any query valid on the live API validates here too
            ours_fields = {n: (str(f.type), f.default_value) for n, f in ours_type.fields.items()}
            live_fields = {n: (str(f.type), f.default_value) for n, f in real_type.fields.items()}
            assert ours_fields == live_fields, name
        elif isinstance(ours_type, GraphQLEnumType):
            assert set(ours_type.values) == set(real_type.values), name
        else:
            assert isinstance(ours_type, GraphQLScalarType), name
    assert checked > 100


def test_query_roots_and_no_upcoming() -> None:
    ours = build_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert {"groupSearch", "groupByUrlname", "group", "event", "topicCategories"} <= set(
        ours.query_type.fields
    )
    assert "UPCOMING" not in ours.type_map["EventStatus"].values  # type: ignore[union-attr]
    assert ours.mutation_type is None


def test_no_description_texts_copied() -> None:
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    assert '"""' not in text
    assert not any(line.strip().startswith('"') for line in text.splitlines())
