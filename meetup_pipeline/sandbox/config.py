"""Sandbox configuration: world seed and scale, clock, auth, rate limit and faults.

Environment (read by `SandboxConfig.from_env`): `MEETUP_SANDBOX_SEED` (int),
`MEETUP_SANDBOX_SCALE` (float, 0 < scale <= 50), `MEETUP_SANDBOX_NOW` (ISO date-time with
an offset; unset = wall clock at each request), `MEETUP_SANDBOX_FAULTS` (a fault spec, see
`FaultConfig.parse`), `MEETUP_SANDBOX_RATE_LIMIT` (`graphql`, `http429` or `off`), and
where the world is: `MEETUP_SANDBOX_LAT`, `MEETUP_SANDBOX_LON`, `MEETUP_SANDBOX_TIMEZONE`,
each falling back to `MEETUP_SEARCH_LAT`, `MEETUP_SEARCH_LON`, `MEETUP_TIMEZONE` (unset =
the Bay Area; see `region.py`), and the Pro network's urlname: `MEETUP_SANDBOX_NETWORK`,
falling back to `MEETUP_PRO_NETWORK` (unset: `sandbox-network`), so a pipeline pointed at
any network with no credentials extracts the sandbox's network under that name.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from meetup_pipeline.sandbox.region import SandboxRegion, region_for
from meetup_pipeline.sandbox.timefmt import DateTimeParseError, parse_zoned

Probability = float


class AuthConfig(BaseModel):
    """OAuth client the sandbox accepts; when set, `/gql-ext` requires a Bearer token."""

    model_config = ConfigDict(extra="forbid")

    client_id: str
    client_secret: str
    redirect_uri: str | None = None
    jwt_public_key: str | None = None
    """PEM of the RSA key whose private half signs JWT-bearer assertions (RS256)."""
    jwt_key_id: str | None = None
    """Expected `kid` header of assertions; None accepts any."""
    member_id: str = "1000001"
    access_token_ttl_s: int = Field(3600, gt=0)
    code_ttl_s: int = Field(600, gt=0)
    static_tokens: list[str] = Field(default_factory=list)
    """Pre-issued access tokens that never expire (development convenience)."""


class RateLimitConfig(BaseModel):
    """500 points per 60 s per token; `graphql` answers RATE_LIMITED, `http429` a 429."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    points: int = Field(500, gt=0)
    window_s: float = Field(60.0, gt=0)
    mode: Literal["graphql", "http429"] = "graphql"


FAULT_RATES = (
    "http_5xx",
    "http_429",
    "rate_limited",
    "slow",
    "timeout",
    "drop",
    "truncated_json",
    "invalid_json",
    "field_drift",
    "duplicate_edges",
    "repeat_cursor",
)


class FaultConfig(BaseModel):
    """Per-request fault probabilities (0 = off, 1 = every request); seeded, combinable.

    Two ways to ask for faults, usable together. A kind's own rate (`http_5xx=0.1`) is drawn
    independently of every other kind, so `slow=0.3,timeout=0.3` hits 51% of requests. `all=p`
    means "an API that goes wrong about p of the time, in every way it can": each request
    meets one fault with probability p, its kind drawn evenly from the kinds not given a rate
    of their own (`all=0.3,timeout=0` leaves timeouts out). A 5xx that starts a burst still
    fails the `burst_length` requests after it, so `all=0.3` fails about a third of answers.
    """

    model_config = ConfigDict(extra="forbid")

    seed: int | None = None
    """RNG seed for fault decisions; None uses the sandbox seed."""
    any_fault: Probability = 0.0
    """`all=p`: the chance a request meets one fault, of a kind drawn from `any_kinds`."""
    any_kinds: tuple[str, ...] = FAULT_RATES
    """The kinds `all` draws from: every kind not given a rate of its own in the spec."""
    http_5xx: Probability = 0.0
    """Chance a burst of 502/503/504 answers starts (then `burst_length` in a row)."""
    burst_length: int = Field(3, ge=1)
    http_429: Probability = 0.0
    """HTTP 429 with Meetup's RATE_LIMITED error (`consumedPoints`, `resetAt`)."""
    rate_limited: Probability = 0.0
    """HTTP 200 with Meetup's RATE_LIMITED error."""
    throttle_seconds: float = Field(2.0, ge=0, le=60)
    """How far off an injected throttle's `resetAt` is (whole seconds, rounded up): a burst
    the server sheds, not a spent budget. The real budget's refusals (MEETUP_SANDBOX_RATE_LIMIT)
    say the end of the token's 60-second window, like Meetup."""
    slow: Probability = 0.0
    slow_seconds: float = Field(2.0, ge=0)
    timeout: Probability = 0.0
    """Server never answers in time: in-process raises httpx.ReadTimeout at once; over HTTP
    the answer (a 504) comes after `timeout_seconds`."""
    timeout_seconds: float = Field(60.0, ge=0)
    drop: Probability = 0.0
    """Connection closed mid-response (httpx.RemoteProtocolError for the client)."""
    truncated_json: Probability = 0.0
    invalid_json: Probability = 0.0
    field_drift: Probability = 0.0
    """A non-null field returned null, a field missing, or unknown extra fields."""
    duplicate_edges: Probability = 0.0
    """A page repeats the previous page's last edge."""
    repeat_cursor: Probability = 0.0
    """`endCursor` equals the request's `after` although more pages exist."""

    @field_validator(*FAULT_RATES, "any_fault")
    @classmethod
    def _probability(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"a fault probability must be between 0 and 1, got {value}")
        return value

    @field_validator("any_kinds")
    @classmethod
    def _kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if unknown := set(value) - set(FAULT_RATES):
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        return value

    def describe(self) -> str:
        """The faults asked for, in `MEETUP_SANDBOX_FAULTS`'s own syntax (`all=0.3, slow=0`),
        a kind given 0 included (it is left out of `all`); `any_kinds` is derived, not shown."""
        given = self.model_dump(exclude_unset=True, exclude={"any_kinds", "any_fault"})
        parts = [f"all={self.any_fault:g}"] if self.any_fault else []
        parts += [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in given.items()]
        return ", ".join(parts)

    def any_enabled(self) -> bool:
        drawn = self.any_fault > 0 and bool(self.any_kinds)
        return drawn or any(getattr(self, name) > 0 for name in FAULT_RATES)

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """`"http_5xx=0.1,slow=0.2,slow_seconds=0.5"` or `"all=0.05"`; empty/`none` = off.

        `all=p` is one fault in about p of the requests (see the class), not p of each kind.
        """
        values: dict[str, object] = {}
        text = spec.strip()
        if text.lower() in ("", "none", "off"):
            return cls()
        for part in text.split(","):
            name, sep, raw = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep:
                raise ValueError(f"fault spec item {part!r} is not name=value")
            if name == "all":
                values["any_fault"] = raw.strip()
            elif name in cls.model_fields and name != "any_kinds":
                values[name] = raw.strip()
            else:
                known = ", ".join(
                    (
                        *FAULT_RATES,
                        "burst_length",
                        "slow_seconds",
                        "timeout_seconds",
                        "throttle_seconds",
                        "seed",
                        "all",
                    )
                )
                raise ValueError(f"unknown fault {name!r} (known: {known})")
        values["any_kinds"] = tuple(n for n in FAULT_RATES if n not in values)
        return cls.model_validate(values)


class SandboxConfig(BaseModel):
    """Everything that shapes the sandbox's answers."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 42
    scale: float = Field(1.0, gt=0, le=50)
    now: datetime | None = None
    """Fixed "now" (tz-aware); None = the wall clock at each request."""
    first_cap: int = Field(200, gt=0)
    auth: AuthConfig | None = None
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    faults: FaultConfig = Field(default_factory=FaultConfig)
    lat: float | None = Field(None, ge=-90, le=90)
    """Centre of the world; None (with `lon` and `timezone`) = the Bay Area."""
    lon: float | None = Field(None, ge=-180, le=180)
    timezone: str | None = None
    network: str = Field("sandbox-network", min_length=1)
    """The urlname the Pro network answers to (`network.py`)."""

    def region(self) -> SandboxRegion:
        """Where the world is: the Bay Area unless a centre or zone says otherwise."""
        return region_for(self.lat, self.lon, self.timezone)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"{value!r} is not an IANA time zone name") from None
        return value

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("now must be timezone-aware (include an offset)")
        return value

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SandboxConfig:
        """Read `MEETUP_SANDBOX_*`; a bad value raises ValueError naming the variable."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if raw := env.get("MEETUP_SANDBOX_SEED", "").strip():
            try:
                kwargs["seed"] = int(raw)
            except ValueError:
                raise ValueError(f"MEETUP_SANDBOX_SEED must be an integer, got {raw!r}") from None
        if raw := env.get("MEETUP_SANDBOX_SCALE", "").strip():
            try:
                scale = float(raw)
            except ValueError:
                scale = -1.0
            if not 0 < scale <= 50:
                raise ValueError(f"MEETUP_SANDBOX_SCALE must be a number in (0, 50], got {raw!r}")
            kwargs["scale"] = scale
        if raw := env.get("MEETUP_SANDBOX_NOW", "").strip():
            try:
                kwargs["now"] = parse_zoned(raw)
            except DateTimeParseError:
                raise ValueError(
                    f"MEETUP_SANDBOX_NOW must be an ISO date-time with an offset, "
                    f"e.g. 2026-01-15T12:00:00-08:00; got {raw!r}"
                ) from None
        if raw := env.get("MEETUP_SANDBOX_FAULTS", "").strip():
            try:
                kwargs["faults"] = FaultConfig.parse(raw)
            except ValueError as exc:
                raise ValueError(f"MEETUP_SANDBOX_FAULTS: {exc}") from None
        if raw := env.get("MEETUP_SANDBOX_RATE_LIMIT", "").strip().lower():
            if raw not in ("graphql", "http429", "off"):
                raise ValueError(
                    f"MEETUP_SANDBOX_RATE_LIMIT must be graphql, http429 or off; got {raw!r}"
                )
            kwargs["rate_limit"] = (
                RateLimitConfig(enabled=False) if raw == "off" else RateLimitConfig(mode=raw)
            )  # type: ignore[arg-type]
        for name, low, high in (("lat", -90.0, 90.0), ("lon", -180.0, 180.0)):
            for var in (f"MEETUP_SANDBOX_{name.upper()}", f"MEETUP_SEARCH_{name.upper()}"):
                if raw := env.get(var, "").strip():
                    try:
                        value = float(raw)
                    except ValueError:
                        value = float("nan")
                    if not low <= value <= high:
                        raise ValueError(f"{var} must be a number from {low:g} to {high:g}")
                    kwargs[name] = value
                    break
        for var in ("MEETUP_SANDBOX_TIMEZONE", "MEETUP_TIMEZONE"):
            if raw := env.get(var, "").strip():
                try:
                    ZoneInfo(raw)
                except (ZoneInfoNotFoundError, ValueError):
                    raise ValueError(f"{var}={raw!r} is not an IANA time zone name") from None
                kwargs["timezone"] = raw
                break
        for var in ("MEETUP_SANDBOX_NETWORK", "MEETUP_PRO_NETWORK"):
            if raw := env.get(var, "").strip():
                kwargs["network"] = raw
                break
        return cls(**kwargs)  # type: ignore[arg-type]
