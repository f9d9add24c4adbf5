# Hotline in a container: gunicorn as an unprivileged user; keys/ and data are
# volumes, never layers. Build: docker build -t hotline .
# Stage 1 builds the wheels (compilers live only here).
FROM python:3.12.8-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml setup.cfg ./
COPY hotline ./hotline
COPY wsgi.py gunicorn.conf.py babel.cfg ./
COPY templates ./templates
COPY static ./static
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Stage 2: the runtime, without build tools.
FROM python:3.12.8-slim-bookworm
# DejaVu Sans for the PDF case files (hotline/desk/export.py); poppler's
# pdftocairo redraws the damaged PDFs that qpdf and pypdf cannot read
# (hotline/intake/attachments/pdf.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core poppler-utils \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system hotline && useradd --system --gid hotline --home-dir /var/lib/hotline hotline
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels hotline && rm -rf /wheels
WORKDIR /app
COPY wsgi.py gunicorn.conf.py ./
RUN install -d -o hotline -g hotline -m 0700 /var/lib/hotline /var/lib/hotline/keys
ENV HOTLINE_DATABASE_URL=sqlite:////var/lib/hotline/hotline.sqlite3 \
    HOTLINE_KEYS_DIR=/var/lib/hotline/keys \
    HOTLINE_BIND=0.0.0.0:8000 \
    HOTLINE_ONION_BIND=0.0.0.0:8081
VOLUME ["/var/lib/hotline"]
USER hotline
EXPOSE 8000 8081
CMD ["gunicorn", "-c", "/app/gunicorn.conf.py", "wsgi:app"]
