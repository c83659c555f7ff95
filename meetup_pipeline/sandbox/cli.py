"""`meetup-sandbox serve`: the sandbox as a real HTTP server (uvicorn).

Options override the `MEETUP_SANDBOX_*` environment. A bad option or value prints one line,
`meetup-sandbox: error: ...`, and exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from meetup_pipeline.sandbox.config import (
    AuthConfig,
    FaultConfig,
    RateLimitConfig,
    SandboxConfig,
)
from meetup_pipeline.sandbox.timefmt import DateTimeParseError, parse_zoned

PROG = "meetup-sandbox"


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line (no usage dump) and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message}\n")


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be an integer, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be in 0..65535, got {port}")
    return port


def _scale(raw: str) -> float:
    try:
        scale = float(raw)
    except ValueError:
        scale = -1.0
    if not 0 < scale <= 50:
        raise argparse.ArgumentTypeError(f"scale must be a number in (0, 50], got {raw!r}")
    return scale


def _now(raw: str) -> object:
    try:
        return parse_zoned(raw)
    except DateTimeParseError:
        raise argparse.ArgumentTypeError(
            f"now must be an ISO date-time with an offset, e.g. 2026-01-15T12:00:00-08:00; "
            f"got {raw!r}"
        ) from None


def _faults(raw: str) -> FaultConfig:
    try:
        return FaultConfig.parse(raw)
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()
        detail = first[-1].strip() if isinstance(exc, ValidationError) else str(exc)
        raise argparse.ArgumentTypeError(f"bad fault spec {raw!r}: {detail}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Offline copy of Meetup's GraphQL API.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = sub.add_parser("serve", help="serve the sandbox over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8765)
    serve.add_argument("--seed", type=int, help="world seed (default 42)")
    serve.add_argument("--scale", type=_scale, help="world size multiplier (default 1)")
    serve.add_argument("--now", type=_now, help="fixed 'now' with offset (default: wall clock)")
    serve.add_argument(
        "--faults",
        type=_faults,
        help="fault spec, e.g. 'http_5xx=0.05,slow=0.1,slow_seconds=1' (each kind drawn on its "
        "own), or 'all=0.3' (one fault, of any kind, in about 30%% of requests)",
    )
    serve.add_argument("--rate-limit-mode", choices=("graphql", "http429", "off"))
    serve.add_argument("--first-cap", type=int, help="largest page size (default 200)")
    serve.add_argument("--network", help="the Pro network's urlname (default sandbox-network)")
    serve.add_argument("--client-id", help="require OAuth: this client id ...")
    serve.add_argument("--client-secret", help="... with this secret")
    serve.add_argument("--redirect-uri")
    serve.add_argument("--jwt-public-key-file", type=Path, help="PEM for JWT-bearer grants")
    serve.add_argument("--jwt-key-id")
    serve.add_argument(
        "--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug")
    )
    return parser


def config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> SandboxConfig:
    """Environment first, then the options given on the command line."""
    try:
        config = SandboxConfig.from_env()
    except ValueError as exc:
        parser.error(str(exc))
    updates: dict[str, object] = {}
    for name in ("seed", "scale", "now", "faults", "network"):
        if getattr(args, name) is not None:
            updates[name] = getattr(args, name)
    if args.first_cap is not None:
        if args.first_cap <= 0:
            parser.error(f"--first-cap must be positive, got {args.first_cap}")
        updates["first_cap"] = args.first_cap
    if args.rate_limit_mode == "off":
        updates["rate_limit"] = RateLimitConfig(enabled=False)
    elif args.rate_limit_mode:
        updates["rate_limit"] = RateLimitConfig(mode=args.rate_limit_mode)
    if bool(args.client_id) != bool(args.client_secret):
        parser.error("--client-id and --client-secret go together")
    if args.client_id:
        key = None
        if args.jwt_public_key_file is not None:
            try:
                key = args.jwt_public_key_file.read_text(encoding="utf-8")
            except OSError as exc:
                parser.error(f"cannot read --jwt-public-key-file: {exc.strerror}")
        updates["auth"] = AuthConfig(
            client_id=args.client_id,
            client_secret=args.client_secret,
            redirect_uri=args.redirect_uri,
            jwt_public_key=key,
            jwt_key_id=args.jwt_key_id,
        )
    return config.model_copy(update=updates)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `meetup-sandbox` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    config = config_from_args(args, parser)
    import uvicorn

    from meetup_pipeline.sandbox.app import create_app

    app = create_app(config)
    print(
        f"{PROG}: serving seed={config.seed} scale={config.scale} on "
        f"http://{args.host}:{args.port}/gql-ext",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
