# cohortbot: `cohortbot run` as a non-root user, its database on the /data volume (SQLite unless
# COHORTBOT_DATABASE_URL says otherwise), your playbooks in /playbooks. Mirrors the README's
# install: the runtime lock (no test tools), then the package.
#
#   docker build -t cohortbot .
#   docker run -d --name cohortbot --restart unless-stopped --env-file .env \
#     -v cohortbot-data:/data -v "$PWD/playbooks:/playbooks:ro" cohortbot
#
# Playbooks: every *.yaml / *.yml in the folder mounted at /playbooks (readable by uid 10001;
# files made 644 as usual are); none there: the example playbook runs. COHORTBOT_PLAYBOOK
# (one file or folder inside the container) wins. Check them first:
#   docker run --rm -v "$PWD/playbooks:/playbooks:ro" cohortbot check /playbooks
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    COHORTBOT_DATABASE_URL=sqlite+aiosqlite:////data/cohortbot.db \
    COHORTBOT_METRICS_PORT=9090

WORKDIR /src
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY cohortbot ./cohortbot
COPY docker/entrypoint.py /usr/local/bin/cohortbot-entrypoint
COPY docker/healthcheck.py /usr/local/bin/cohortbot-healthcheck
RUN pip install --no-deps . \
    && rm -rf /src \
    && chmod 0755 /usr/local/bin/cohortbot-entrypoint /usr/local/bin/cohortbot-healthcheck \
    && useradd --create-home --uid 10001 cohortbot \
    && mkdir -p /data /playbooks \
    && chown cohortbot:cohortbot /data

USER cohortbot
# Anything the bot writes by a relative path (reports, attachments) lands on the volume too.
WORKDIR /data
VOLUME ["/data"]
# Slack HTTP mode (SLACK_MODE=http) listens here; nothing does otherwise.
EXPOSE 3000
# /healthz and /metrics on COHORTBOT_METRICS_PORT, loopback only (COHORTBOT_METRICS_HOST=0.0.0.0
# and a published port to let a Prometheus elsewhere scrape it). 200 once the bot is connected
# and its database answers; start-period covers migrations and connecting.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 CMD ["cohortbot-healthcheck"]
# The entrypoint picks the playbooks and keeps a refused start (exit 2: no token, a broken
# playbook) from becoming a restart loop: see docker/entrypoint.py.
ENTRYPOINT ["cohortbot-entrypoint"]
# --no-console: no token is an error here, not the console community (there is no terminal).
CMD ["run", "--no-console"]
