# One image for the central service and the edge agent (the command picks which).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY edge ./edge
COPY central ./central
COPY demo ./demo
COPY benchmarks ./benchmarks
COPY config ./config
RUN pip install --no-cache-dir ".[postgres]"
RUN useradd --system --home /var/lib/parking parking && mkdir -p /var/lib/parking && chown parking /var/lib/parking
USER parking
