# syntax=docker/dockerfile:1
# Ripcord in a container: build a release binary with the Swift toolchain image, run it on slim
# Debian bookworm as a non-root user. docker-compose.yml uses it; docs/deploy.md explains both.
#
#   docker build -t ripcord .
#   docker run --rm -v "$PWD/ripcord.yml:/etc/ripcord/ripcord.yml:ro" -v ripcord-data:/var/lib/ripcord ripcord

# Swift 6.2 or later: the package's dependencies (swift-subprocess, swift-log, swift-service-lifecycle)
# need tools version 6.2. bookworm, so the build links the same library versions the runtime has.
ARG SWIFT_VERSION=6.2
ARG DEBIAN_VERSION=bookworm

FROM swift:${SWIFT_VERSION}-${DEBIAN_VERSION} AS build
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends pkg-config libmicrohttpd-dev libcurl4-openssl-dev libsqlite3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole package (SwiftPM checks that every target's folder exists, tests included); .dockerignore
# keeps build folders, databases and secrets out.
COPY . .
# The Swift runtime and Foundation are linked statically, so the runtime image needs no Swift (and
# idle RSS is about 27 MB with the function order of Sources/ripcord/link-order.txt, not 36).
# Package.swift links the release binary with the toolchain's lld and
# packed relative relocations, which need glibc 2.36 or later at run time: bookworm has 2.36.
# The .build cache mount keeps dependencies and objects between builds.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product ripcord --static-swift-stdlib \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/ripcord" /out/ripcord

FROM debian:${DEBIAN_VERSION}-slim
# Only what the binary links (libmicrohttpd, libcurl, SQLite) and CA certificates for https webhooks.
# No curl: the health check below uses bash's /dev/tcp.
RUN export DEBIAN_FRONTEND=noninteractive \
 && apt-get update -q \
 && apt-get install -y -q --no-install-recommends libmicrohttpd12 libcurl4 libsqlite3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/ripcord --shell /usr/sbin/nologin ripcord \
 && install -d -o ripcord -g ripcord -m 0750 /var/lib/ripcord \
 && install -d -m 0755 /etc/ripcord
COPY --from=build /out/ripcord /usr/local/bin/ripcord

USER ripcord:ripcord
WORKDIR /var/lib/ripcord
# The SQLite database (and its lock file) live here: mount a volume, and run one container per database.
VOLUME ["/var/lib/ripcord"]
# `ripcord serve`, `ripcord rollback-history`, `ripcord audit verify` ... all read this config.
ENV RIPCORD_CONFIG=/etc/ripcord/ripcord.yml
EXPOSE 9095
# Ready = the database is open, migrated and takes a write. Assumes the config listens on port 9095.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9095 && printf 'GET /-/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# SIGTERM stops accepting, answers the requests in flight, closes the database and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/ripcord"]
CMD ["serve", "--log-format", "json"]
