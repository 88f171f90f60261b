# The platform's images: one build stage compiles every service once with the project's
# own script (scripts/build.sh release), then one small runtime stage per service.
#
#   docker build --target subject-service -t syllabus/subject-service:1.0.0 .
#   scripts/images.sh            (every image, tagged with the version and revision)
#
# The runtime stages start from scratch: one binary, the shared libraries the binaries
# load, CA certificates, passwd entries and /bin/sleep (a preStop pause), nothing else: no
# shell, no package manager, no curl (HEALTHCHECK runs the binary's own `probe`). They run
# as a non-root user; the only writable path is /var/lib/syllabus (a volume), so the root
# filesystem may be mounted read-only. Settings come from SYL_* variables; secrets from
# files (SYL_*_FILE) mounted at run time, never from the image.

ARG DEBIAN=debian:bookworm-slim

# ---- build ------------------------------------------------------------------------------
FROM ${DEBIAN} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config ccache mold \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libsoci-dev libsqlite3-dev libpq-dev libhiredis-dev libjwt-dev libssl-dev \
      libspdlog-dev libcli11-dev libyaml-cpp-dev libcmark-dev zlib1g-dev libjemalloc-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The commit the binaries report (build_info): the context has no .git.
ARG REVISION=unknown
ENV SYL_BUILD_COMMIT=${REVISION} CCACHE_DIR=/ccache
# With BuildKit or buildah, `--mount=type=cache,target=/ccache` on this RUN keeps the
# compiler cache between builds; the legacy builder ignores nothing and needs none.
RUN scripts/build.sh release \
      subject-service config-service file-service syllabus-service api-gateway \
 && mkdir -p /out \
 && cp build/release/services/subject-service/subject-service \
       build/release/services/config-service/config-service \
       build/release/services/file-service/file-service \
       build/release/services/syllabus-service/syllabus-service \
       build/release/services/api-gateway/api-gateway /out/ \
 && strip /out/*

# ---- runtime files ----------------------------------------------------------------------
# The libraries the binaries load, collected (scripts/container-rootfs.sh) into a tree
# that the images start from: no shell, no package manager, nothing else.
FROM ${DEBIAN} AS runtime-files
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsoci-core4.0 libsoci-sqlite3-4.0 libsoci-postgresql4.0 libpq5 libsqlite3-0 \
      libhiredis0.14 libssl3 libyaml-cpp0.7 libboost-json1.81.0 libboost-url1.81.0 \
      libcmark0.30.2 libjemalloc2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /out/
COPY scripts/container-rootfs.sh /usr/local/bin/container-rootfs
RUN container-rootfs /rootfs /out/*

# ---- runtime base -----------------------------------------------------------------------
FROM scratch AS runtime
COPY --from=runtime-files /rootfs/ /
# The volume's mount point, owned by the service's user (a new volume takes it on):
# copied again with its owner, as COPY sets no owner on a directory it does not copy.
COPY --from=runtime-files --chown=10001:10001 /rootfs/var/lib/ /var/lib/
WORKDIR /var/lib/syllabus
VOLUME ["/var/lib/syllabus"]
USER 10001:10001
STOPSIGNAL SIGTERM
# Listen on every interface inside a container; SQLite and local files under the volume
# unless the deployment says otherwise.
ENV SYL_HTTP_HOST=0.0.0.0
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG SOURCE=https://example.invalid/syllabus-platform
LABEL org.opencontainers.image.version=${VERSION} \
      org.opencontainers.image.revision=${REVISION} \
      org.opencontainers.image.source=${SOURCE} \
      org.opencontainers.image.licenses="proprietary" \
      org.opencontainers.image.vendor="Syllabus Platform"

# ---- one image per service --------------------------------------------------------------
FROM runtime AS config-service
COPY --from=build /out/config-service /usr/local/bin/config-service
LABEL org.opencontainers.image.title="config-service"
EXPOSE 8100
ENV SYL_DATABASE_URL=sqlite:///var/lib/syllabus/config-service.db
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/config-service", "probe"]
ENTRYPOINT ["/usr/local/bin/config-service"]

FROM runtime AS subject-service
COPY --from=build /out/subject-service /usr/local/bin/subject-service
LABEL org.opencontainers.image.title="subject-service"
EXPOSE 8101
ENV SYL_DATABASE_URL=sqlite:///var/lib/syllabus/subject-service.db
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/subject-service", "probe"]
ENTRYPOINT ["/usr/local/bin/subject-service"]

FROM runtime AS file-service
COPY --from=build /out/file-service /usr/local/bin/file-service
LABEL org.opencontainers.image.title="file-service"
EXPOSE 8102
ENV SYL_DATABASE_URL=sqlite:///var/lib/syllabus/file-service.db \
    SYL_STORAGE_LOCAL_ROOT=/var/lib/syllabus/files
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/file-service", "probe"]
ENTRYPOINT ["/usr/local/bin/file-service"]

FROM runtime AS syllabus-service
COPY --from=build /out/syllabus-service /usr/local/bin/syllabus-service
LABEL org.opencontainers.image.title="syllabus-service"
EXPOSE 8103
ENV SYL_DATABASE_URL=sqlite:///var/lib/syllabus/syllabus-service.db
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/syllabus-service", "probe"]
ENTRYPOINT ["/usr/local/bin/syllabus-service"]

FROM runtime AS api-gateway
COPY --from=build /out/api-gateway /usr/local/bin/api-gateway
LABEL org.opencontainers.image.title="api-gateway"
EXPOSE 8080
ENV SYL_DATABASE_URL=sqlite:///var/lib/syllabus/api-gateway.db
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/api-gateway", "probe"]
ENTRYPOINT ["/usr/local/bin/api-gateway"]
