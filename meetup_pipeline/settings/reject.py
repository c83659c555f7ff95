"""The reject policy: records refused at the edge warn, and only a schema change blocks."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, Field

from meetup_pipeline.settings import SettingsError
from meetup_pipeline.settings.env import EnvSettings

WARN_VAR, BLOCK_VAR = "MEETUP_REJECT_WARN_RATE", "MEETUP_REJECT_BLOCK_RATE"


class RejectPolicy(BaseModel):
    """When rejects are worth a warning, and when they stop downstream.

    Blocking also needs ``block_min`` rejects, so a handful of bad records in a quiet
    window (two among ten events) never fails anything.
    """

    warn_rate: float = Field(0.01, ge=0, le=1)
    block_rate: float = Field(0.25, ge=0, le=1)
    block_min: int = 10


class RejectPolicySettings(EnvSettings):
    """`MEETUP_REJECT_WARN_RATE` / `MEETUP_REJECT_BLOCK_RATE` (empty: 1% and 25%)."""

    VARIABLES: ClassVar[Mapping[str, str]] = {"warn_rate": WARN_VAR, "block_rate": BLOCK_VAR}

    warn_rate: str = Field("", description=f"{WARN_VAR}: a share from 0 to 1 (empty: 0.01)")
    block_rate: str = Field("", description=f"{BLOCK_VAR}: a share from 0 to 1 (empty: 0.25)")

    def policy(self) -> RejectPolicy:
        """The policy, or a `SettingsError` naming the variable of a bad share."""
        shares: dict[str, float] = {}
        for field, var in self.VARIABLES.items():
            if not (raw := getattr(self, field).strip()):
                continue
            try:
                share = float(raw)
            except ValueError:
                share = math.nan
            if not 0 <= share <= 1:  # NaN fails too
                default = RejectPolicy.model_fields[field].default
                raise SettingsError(
                    f"{var}={raw!r} is not a share from 0 to 1: use e.g. {default} "
                    f"({default:.0%}), or unset it for that default."
                )
            shares[field] = share
        return RejectPolicy.model_validate(shares)
