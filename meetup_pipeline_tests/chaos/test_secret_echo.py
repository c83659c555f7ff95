"""A token endpoint that echoes what it received: no encoding of a secret reaches a sink.

The credentials hold `+ / = & "`, so each encoding differs from the plain value. The
endpoint refuses the grant and reflects the form back URL-encoded (as sent, and with
`quote`), JSON-escaped and as a basic-auth header; the real run prints it, Dagster stores
it in the event log (`dagster` database) and the step's compute log. None may hold any
form of a secret.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, quote, quote_plus

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from meetup_pipeline_tests.chaos.conftest import Site
from meetup_pipeline_tests.chaos.hostile import serve

CLIENT_ID = "echo-client-7"
SECRETS = {
    "MEETUP_CLIENT_SECRET": 'Cs+1/Do=Not&Print"Me',
    "MEETUP_REFRESH_TOKEN": "Rt/2+Do&Not=Print==",
}


def forms(secret: str) -> set[str]:
    """Every encoding the echo uses, computed here independently of the code under test."""
    out = {secret, quote(secret), quote(secret, safe=""), quote_plus(secret)}
    out |= {quote(secret, safe="").lower(), json.dumps(secret)[1:-1]}
    out.add(base64.b64encode(f"{CLIENT_ID}:{secret}".encode()).decode())
    return out


def echo_app() -> Starlette:
    async def access(request: Request) -> Response:
        raw = (await request.body()).decode()
        form = dict(parse_qsl(raw))
        basic = base64.b64encode(f"{form.get('client_id')}:{form.get('client_secret')}".encode())
        described = (
            f"cannot parse {raw} | quoted {' '.join(quote(v) for v in form.values())} "
            f"| json {json.dumps(form)} | basic {basic.decode()}"
        )
        return JSONResponse(
            {"error": "invalid_request", "error_description": described}, status_code=400
        )

    async def healthz(request: Request) -> Response:
        return Response("ok")

    return Starlette(
        routes=[
            Route("/oauth2/access", access, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def strings(value: object) -> str:
    """Every string inside a decoded JSON value, one per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return "\n".join(strings(v) for v in value)
    return ""


def leaks(text: str) -> list[str]:
    return sorted(
        f"{name}: {form!r}"
        for name, secret in SECRETS.items()
        for form in forms(secret)
        if form in text
    )


def test_an_echoing_token_endpoint_leaks_no_encoding_of_a_secret(site: Site) -> None:
    with serve(echo_app()) as gql_url:
        base = gql_url.rsplit("/", 1)[0]
        site.env.update(
            MEETUP_API_URL=gql_url,
            MEETUP_TOKEN_URL=f"{base}/oauth2/access",
            MEETUP_CLIENT_ID=CLIENT_ID,
            **SECRETS,
        )
        outcome = site.materialize()
    assert outcome.code != 0
    # the refusal did reach every sink (so the checks below look at the right text)
    assert "invalid_request" in outcome.output and "cannot parse" in outcome.output
    assert not leaks(outcome.output), "console"
    with site.connect("dagster") as conn:
        events = "\n".join(
            row[0] for row in conn.execute("SELECT event FROM event_logs").fetchall()
        )
    assert "cannot parse" in events
    # the event log is JSON: its strings, unescaped, are compared as well
    decoded = "\n".join(strings(json.loads(line)) for line in events.splitlines() if line)
    assert not leaks(events) and not leaks(decoded), "event log"
    logs = [
        p
        for p in site.root.rglob("*")
        if p.is_file() and "pgdata" not in p.parts and p.suffix in (".err", ".out", ".log")
    ]
    texts = {p: p.read_text(errors="replace") for p in logs}
    assert any("cannot parse" in t for t in texts.values()), sorted(map(str, logs))
    leaked = {str(p.relative_to(site.root)): leaks(t) for p, t in texts.items() if leaks(t)}
    assert not leaked, "compute logs"
