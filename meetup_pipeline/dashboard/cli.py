"""`meetup-pipeline dashboard`: rebuild the page without Dagster, or serve it locally.

Serving over http://127.0.0.1 (not only file://) suits browsers or policies that treat
local files specially; the page itself needs nothing from the server but its own bytes.
"""

import argparse
import functools
import http.server
import os
import sys
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
    from meetup_pipeline.warehouse.resource import Warehouse

    url = os.environ.get("MEETUP_WAREHOUSE_URL", "").strip() or None
    warehouse = Warehouse(url=url)
    result = build_dashboard(warehouse.get_engine(), output)
    print(f"Dashboard written to {result.path} ({result.bytes:,} bytes)")
    return result.path


def make_server(path: Path, host: str, port: int) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the page's directory; `/` answers with the page itself."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in ("/", ""):
                self.path = "/" + path.name
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            sys.stderr.write("dashboard: " + (format % args) + "\n")

    handler = functools.partial(Handler, directory=str(path.parent))
    return http.server.ThreadingHTTPServer((host, port), handler)


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
