"""Parsing, validation, cost and execution of one `POST /gql-ext` body.

Response shapes follow the live API: a syntax or validation error (unknown field, enum value
`UPCOMING`, a `DateTime` without offset) is HTTP 200 with an `errors` array and no `data`
key; errors while resolving come back beside `data`.

Query cost (points against the 500-per-60-s budget), computed before execution from the
query text and variables:

    cost = 1 + sum over every connection field C whose `edges` are selected of
               (product of the page sizes of the connections enclosing C) * ceil(n_C / 100)

where a connection is a field with a `first` argument, and n = min(first or 20, first_cap);
the network searches take `first` in their `input` and are capped at 5 x first_cap.
Connections queried only for counts (`totalCount`, `yesCount`...) cost nothing. Examples:
`groupByUrlname { events(first: 200) { edges ... } }` = 3; `groupSearch(first: 200)` with
`events(first: 10) { edges }` inside each group = 1 + 2 + 200 = 203.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    execute,
    get_named_type,
    is_object_type,
    parse,
    validate,
    value_from_ast_untyped,
)

from meetup_pipeline.sandbox.paging import DEFAULT_FIRST
from meetup_pipeline.sandbox.resolvers import Context, build_sandbox_schema

_SCHEMA: GraphQLSchema | None = None


def schema() -> GraphQLSchema:
    """The executable schema, built once per process."""
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = build_sandbox_schema()
    return _SCHEMA


def format_error(error: GraphQLError, classification: str) -> dict[str, Any]:
    """graphql-java style: message, locations, path when known, extensions.classification."""
    out: dict[str, Any] = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    out["extensions"] = {"classification": classification, **(error.extensions or {})}
    return out


@dataclass
class Prepared:
    """A request that parsed and validated; `errors` set means answer it as is."""

    document: DocumentNode | None
    variables: dict[str, Any]
    operation_name: str | None
    errors: list[dict[str, Any]] | None = None
    cost: int = 1


def prepare(body: Any, first_cap: int) -> Prepared:
    """Parse and validate; compute the cost of a valid request."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        err = {
            "message": "Request body must be a JSON object with a 'query' string",
            "extensions": {"classification": "InvalidSyntax"},
        }
        return Prepared(None, {}, None, [err])
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        err = {
            "message": "'variables' must be a JSON object",
            "extensions": {"classification": "InvalidSyntax"},
        }
        return Prepared(None, {}, None, [err])
    op_name = body.get("operationName") if isinstance(body.get("operationName"), str) else None
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return Prepared(None, variables, op_name, [format_error(exc, "InvalidSyntax")])
    errors = validate(schema(), document)
    if errors:
        return Prepared(
            None, variables, op_name, [format_error(e, "ValidationError") for e in errors]
        )
    prepared = Prepared(document, variables, op_name)
    prepared.cost = query_cost(document, variables, op_name, first_cap)
    return prepared


def run(prepared: Prepared, ctx: Context) -> dict[str, Any]:
    """Execute a prepared request; variable coercion errors give `errors` without `data`."""
    if prepared.errors is not None:
        return {"errors": prepared.errors}
    result = execute(
        schema(),
        prepared.document,
        context_value=ctx,  # type: ignore[arg-type]
        variable_values=prepared.variables,
        operation_name=prepared.operation_name,
    )
    if result.data is None and result.errors and not any(e.path for e in result.errors):
        # variables that do not coerce (UPCOMING, a DateTime without offset): no execution
        return {"errors": [format_error(e, "ValidationError") for e in result.errors]}
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [format_error(e, "DataFetchingException") for e in result.errors]
    return out


def query_cost(
    document: DocumentNode, variables: dict[str, Any], operation_name: str | None, first_cap: int
) -> int:
    """The documented cost formula (see the module docstring)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = next(
        (o for o in ops if operation_name and o.name and o.name.value == operation_name),
        ops[0] if ops else None,
    )
    if op is None:
        return 1
    defaults = {
        v.variable.name.value: value_from_ast_untyped(v.default_value)
        for v in op.variable_definitions or ()
        if v.default_value is not None
    }
    values = {**defaults, **variables}
    root = schema().query_type
    return 1 + _walk(op.selection_set, root, 1, fragments, values, first_cap)


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    out: list[FieldNode] = []
    for sel in selection_set.selections if selection_set else ():
        if isinstance(sel, FieldNode):
            out.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            out.extend(_fields(sel.selection_set, fragments))
        elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
            out.extend(_fields(fragments[sel.name.value].selection_set, fragments))
    return out


def _walk(
    selection_set: SelectionSetNode | None,
    parent: Any,
    multiplier: int,
    fragments: dict[str, FragmentDefinitionNode],
    values: dict[str, Any],
    first_cap: int,
) -> int:
    total = 0
    for node in _fields(selection_set, fragments):
        field_def = parent.fields.get(node.name.value) if is_object_type(parent) else None
        if field_def is None:
            continue
        child_type = get_named_type(field_def.type)
        child_mult = multiplier
        if "first" in field_def.args or "input" in field_def.args:
            selected = {f.name.value for f in _fields(node.selection_set, fragments)}
            if "edges" in selected:
                n = _first_value(node, values)
                cap = first_cap * 5 if "input" in field_def.args else first_cap
                n = min(DEFAULT_FIRST if n is None else max(0, n), cap)
                total += multiplier * math.ceil(n / 100)
                child_mult = multiplier * n
        total += _walk(node.selection_set, child_type, child_mult, fragments, values, first_cap)
    return total


def _first_value(node: FieldNode, values: dict[str, Any]) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value == "first":
            value = value_from_ast_untyped(arg.value, values)
            return value if isinstance(value, int) else None
        if arg.name.value == "input":  # the network searches page through `input.first`
            value = value_from_ast_untyped(arg.value, values)
            first = value.get("first") if isinstance(value, dict) else None
            return first if isinstance(first, int) else None
    return None
