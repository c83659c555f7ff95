"""`meetup-pipeline dashboard`: rebuild the page without Dagster, or serve it locally.

Serving over http://127.0.0.1 (not only file://) suits browsers or policies that treat
local files specially; the page itself needs nothing from the server but its own bytes.
"""

import argparse
import http.server
import sys
import urllib.parse
from http import HTTPStatus
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8050
DEFAULT_HOST = "127.0.0.1"


def add_subcommand(subparsers: Any) -> argparse.ArgumentParser:
    """Register `dashboard` on the project CLI's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dashboard",
        help="build or serve the offline HTML dashboard",
        description="Build the dashboard from the warehouse and/or serve it over HTTP.",
        epilog="examples:\n  meetup-pipeline dashboard --build\n"
        "  meetup-pipeline dashboard --serve --port 8050",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--build", action="store_true", help="regenerate it from the warehouse")
    parser.add_argument("--serve", action="store_true", help="serve it over http.server")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8050)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--output", type=Path, default=None, help="the HTML file (default $MEETUP_HOME/...)"
    )
    parser.set_defaults(func=run)
    return parser


def build(output: Path | None) -> Path:
    """Regenerate the page from the configured warehouse (MEETUP_WAREHOUSE_URL or embedded)."""
    from meetup_pipeline.dashboard.build import build_dashboard
    from meetup_pipeline.settings.dashboard import MAX_EVENTS_VAR
    from meetup_pipeline.settings.env import value
    from meetup_pipeline.warehouse.resource import Warehouse

    warehouse = Warehouse(url=value("MEETUP_WAREHOUSE_URL") or None)
    result = build_dashboard(warehouse.get_engine(), output)
    print(f"Dashboard written to {result.path} ({result.bytes:,} bytes)")
    h = result.headline
    if h is not None and h.shown < h.events:
        print(f"It carries the newest {h.shown:,} of {h.events:,} past events ({MAX_EVENTS_VAR}).")
    return result.path


def make_server(path: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the page alone: `/` and `/<its name>` answer with it, all else 404.

    Nothing else in its folder is reachable (no directory listing, no neighbouring files,
    no `..`): the folder is `$MEETUP_HOME/dashboard` by default but `--output` can put the
    page anywhere. The file is read at each request, so a rebuild shows on reload.
    """
    page = path.resolve()
    served = {"/", "/" + page.name}

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "meetup-dashboard"
        sys_version = ""

        def _answer(self, with_body: bool) -> None:
            target = urllib.parse.urlsplit(self.path).path
            if target not in served:
                self.send_error(HTTPStatus.NOT_FOUND, "Only the dashboard is served here")
                return
            try:
                body = page.read_bytes()
            except OSError:
                self.send_error(HTTPStatus.NOT_FOUND, "The dashboard has not been built yet")
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer(with_body=True)

        def do_HEAD(self) -> None:
            self._answer(with_body=False)

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write("dashboard: " + (format % args) + "\n")

    return http.server.ThreadingHTTPServer((host, port), Handler)


def run(args: argparse.Namespace) -> int:
    """Build and/or serve, as the flags ask; with neither, build if the file is missing."""
    from meetup_pipeline.dashboard.build import default_output

    output: Path = args.output or default_output()
    if args.build or (not args.serve and not args.build) or not output.exists():
        output = build(output)
    if args.serve:
        server = make_server(output, args.host, args.port)
        host, port = server.server_address[:2]
        print(f"Serving the dashboard at http://{host}:{port}/ (Ctrl+C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point, for when the project CLI is not there."""
    parser = argparse.ArgumentParser(prog="meetup-pipeline")
    add_subcommand(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
