# The platform's backing servers for compose, made from Debian packages on the same
# debian:bookworm-slim base as the services (no image registry is needed; where one is,
# the official postgres:15, redis:7, prom/prometheus and prom/alertmanager images serve
# as well: compose.yaml names only what they have in common). A target each:
#
#   docker build -f deploy/compose/infra.Dockerfile --target postgres -t syllabus/postgres:15 .
#
# Each runs as a non-root user with its data in /data (a volume).
ARG DEBIAN=debian:bookworm-slim

FROM ${DEBIAN} AS postgres
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && mkdir -p /data /docker-entrypoint-initdb.d && chown postgres:postgres /data
COPY deploy/compose/postgres/entrypoint.sh /usr/local/bin/postgres-entrypoint
USER postgres
ENV PGDATA=/data/pgdata PATH=/usr/lib/postgresql/15/bin:$PATH
VOLUME ["/data"]
EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK --interval=2s --timeout=3s --start-period=30s --retries=5 \
  CMD ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]

FROM ${DEBIAN} AS redis
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && mkdir -p /data && chown redis:redis /data
USER redis
VOLUME ["/data"]
EXPOSE 6379
HEALTHCHECK --interval=2s --timeout=3s --start-period=10s --retries=5 \
  CMD ["redis-cli", "-p", "6379", "ping"]
# Persistence: the append-only file, fsynced every second.
ENTRYPOINT ["redis-server", "--dir", "/data", "--appendonly", "yes", "--appendfsync", "everysec", \
            "--bind", "0.0.0.0", "--protected-mode", "no", "--port", "6379"]

# An S3-compatible store (s3rver, the version the tests use: tools/s3rver/package.json),
# installed with npm in a stage of its own: the build machine's extra certificate
# authorities (a TLS-inspecting proxy's; ca-certificates/, filled by scripts/images.sh,
# empty elsewhere) are trusted there only and never reach the image.
FROM ${DEBIAN} AS s3-build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY deploy/compose/ca-certificates/ /usr/local/share/ca-certificates/
COPY tools/s3rver/package.json /opt/s3rver/package.json
RUN update-ca-certificates >/dev/null \
 && cd /opt/s3rver \
 && NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
      npm install --no-audit --no-fund --loglevel=error --omit=dev

FROM ${DEBIAN} AS s3
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && useradd --system --uid 10002 --home-dir /data s3 && mkdir -p /data \
 && chown s3:s3 /data
COPY --from=s3-build /opt/s3rver /opt/s3rver
USER s3
VOLUME ["/data"]
EXPOSE 9000
HEALTHCHECK --interval=2s --timeout=3s --start-period=10s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9000"]
# --openssl-legacy-provider: s3rver's listing continuation tokens use DES (scripts/lib/s3.sh).
ENTRYPOINT ["node", "--openssl-legacy-provider", "/opt/s3rver/node_modules/s3rver/bin/s3rver.js", \
            "--directory", "/data", "--address", "0.0.0.0", "--port", "9000", "--silent", \
            "--no-vhost-buckets"]

FROM ${DEBIAN} AS prometheus
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && mkdir -p /data && chown prometheus:prometheus /data
USER prometheus
VOLUME ["/data"]
EXPOSE 9090
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090"]
ENTRYPOINT ["prometheus", "--config.file=/etc/syllabus/prometheus/prometheus.yml", \
            "--storage.tsdb.path=/data", "--storage.tsdb.retention.time=15d", \
            "--web.listen-address=0.0.0.0:9090"]

FROM ${DEBIAN} AS alertmanager
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* \
 && mkdir -p /data && chown prometheus:prometheus /data
USER prometheus
VOLUME ["/data"]
EXPOSE 9093
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=5 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9093"]
ENTRYPOINT ["prometheus-alertmanager", "--config.file=/etc/syllabus/alertmanager/alertmanager.yml", \
            "--storage.path=/data", "--web.listen-address=0.0.0.0:9093", "--cluster.listen-address="]
