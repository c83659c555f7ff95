# The project image: one image for the user-code gRPC server (default command), the
# webserver and the daemon (docker-compose.yml overrides the command for those two).
# Build: docker build -t meetup-pipeline:local .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    MEETUP_HOME=/opt/dagster/meetup_home

WORKDIR /opt/dagster/app

# Third-party dependencies, pinned exactly: the runtime half of the lock the README's and
# CI's installs use as constraints (deploy/lock_requirements.py writes it). A separate
# layer, so code changes do not reinstall them.
COPY deploy/requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The project itself, without resolving dependencies again.
COPY pyproject.toml README.md LICENSE ./
COPY meetup_pipeline ./meetup_pipeline
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

# Instance config and the workspace for the webserver/daemon; state lives in MEETUP_HOME,
# which docker-compose.yml mounts as a volume.
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster/dagster_home/

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/dagster dagster \
    && mkdir -p "$MEETUP_HOME" \
    && chown dagster:dagster "$MEETUP_HOME"

USER 10001:10001

EXPOSE 4000

# The code server: serves the definitions to the webserver and daemon, and launches runs.
# It runs in /opt/dagster/app, which Dagster puts first on sys.path: the package is loaded
# from there, beside pyproject.toml, whose [tool.dg.project] `load_from_defs_folder` reads
# to find meetup_pipeline/defs/ (a copy in site-packages alone has no pyproject.toml).
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "meetup_pipeline.definitions"]
