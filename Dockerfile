# One image for the central service and the edge agent (the command picks which).
# No secret, certificate or key goes into it (.dockerignore): they come from the environment,
# compose secrets or mounted files at run time (docs/deploy.md). fonts-noto-cjk: the Chinese in
# residents' statement PDFs (central/residents/statement_pdf.py).
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 fonts-noto-cjk \
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
# A fixed uid, so mounted keys can be given to it (chown 10001): docs/deploy.md, "TLS".
RUN useradd --system --uid 10001 --home /var/lib/parking parking && mkdir -p /var/lib/parking \
 && chown parking /var/lib/parking
USER parking
