# cohortbot: a slim image running `cohortbot run` as a non-root user, database on a volume.
# Mirrors the README: install the locked dependencies, then the package.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    COHORTBOT_DATABASE_URL=sqlite+aiosqlite:////data/cohortbot.db

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY pyproject.toml README.md ./
COPY cohortbot ./cohortbot
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 cohortbot \
    && mkdir -p /data \
    && chown cohortbot:cohortbot /data

USER cohortbot
VOLUME ["/data"]
# Slack HTTP mode listens here (SLACK_MODE=http); unused otherwise.
EXPOSE 3000
ENTRYPOINT ["cohortbot"]
CMD ["run"]
