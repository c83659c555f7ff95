"""The one reader of the process environment for settings, and the `EnvVar` wiring.

A field is backed by `dg.EnvVar` only when its variable is set: Dagster fails a run on a
missing variable, and an unset one means "the default". Validation builds the same
resource classes from the variables' values instead (`values`), so one parser sees both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import dagster as dg


def environ(given: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """`given`, or this process's environment."""
    return os.environ if given is None else given


def value(variable: str, given: Mapping[str, str] | None = None) -> str:
    """A variable's value, stripped ("" when unset)."""
    return environ(given).get(variable, "").strip()


def values(variables: Mapping[str, str], given: Mapping[str, str] | None = None) -> dict[str, str]:
    """{field: value} for each `{field: variable}` that is set."""
    return {f: v for f, v in ((f, value(var, given)) for f, var in variables.items()) if v}


def env_vars(
    variables: Mapping[str, str], given: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """{field: dg.EnvVar(variable)} for each `{field: variable}` that is set."""
    return {f: dg.EnvVar(var) for f, var in variables.items() if value(var, given)}


class EnvSettings(dg.ConfigurableResource):
    """A group of settings, one string field per variable ("" = the default).

    Strings, not typed fields: the variable's own text reaches the subclass's parser, which
    names the variable in its one-line error; Dagster's config types would fail a run
    with their own message instead.
    """

    VARIABLES: ClassVar[Mapping[str, str]] = {}
    """{field: environment variable}."""

    @classmethod
    def wired(cls, given: Mapping[str, str] | None = None) -> Self:
        """As the code location wires it: `dg.EnvVar` for each variable that is set."""
        return cls(**env_vars(cls.VARIABLES, given))

    @classmethod
    def from_environ(cls, given: Mapping[str, str] | None = None) -> Self:
        """Built from the variables' values: what validation and non-Dagster callers use."""
        return cls(**values(cls.VARIABLES, given))

    def variable(self, field: str) -> str:
        return self.VARIABLES[field]
