# syntax=docker/dockerfile:1
# One image for every process of the package: ingestd, realtimed, exportd, kafka-demo-producer
# (compose.yaml picks the process with `command`). Stages:
#   build     Swift builder: release builds of all executables, Swift runtime linked statically
#   socketio  the official socket.io-client npm package, for the dashboard's /socket.io.min.js
#   runtime   slim Ubuntu with the C libraries' runtime packages, curl for healthchecks, non-root
# librdkafka must be 2.1 or later (2.0 cannot parse current brokers' ApiVersions responses):
# Ubuntu 24.04 ships 2.3, so builder and runtime are Ubuntu 24.04 (noble).

FROM swift:6.3-noble AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka-dev libavro-dev libzmq3-dev zlib1g-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared Shared
COPY Services Services
COPY Tests Tests
# The build cache mount keeps .build between image builds (BuildKit), so a rebuild is incremental.
RUN --mount=type=cache,target=/src/.build mkdir -p /out \
    && for product in ingestd realtimed exportd kafka-demo-producer; do \
           swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
           cp "$(swift build -c release --show-bin-path)/$product" /out/; \
       done

FROM node:22-bookworm-slim AS socketio
WORKDIR /pkg
# The browser bundle from the official npm package (the dashboard loads /socket.io.min.js).
RUN npm pack --silent socket.io-client@4.8.1 \
    && tar -xzf socket.io-client-4.8.1.tgz \
    && cp package/dist/socket.io.min.js /socket.io.min.js

FROM ubuntu:24.04 AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka1 libavro23 libzmq5 zlib1g libstdc++6 curl ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
COPY demo /opt/kafka-web-proxy/demo
COPY Services/realtimed/Dashboard /opt/kafka-web-proxy/dashboard
COPY --from=socketio /socket.io.min.js /opt/kafka-web-proxy/socket.io.min.js
ENV DASHBOARD_DIR=/opt/kafka-web-proxy/dashboard \
    SOCKET_IO_CLIENT_JS=/opt/kafka-web-proxy/socket.io.min.js \
    DATA_DIR=/var/lib/exportd
RUN useradd --system --no-create-home --shell /usr/sbin/nologin proxy \
    && mkdir -p /var/lib/exportd && chown proxy /var/lib/exportd
USER proxy
WORKDIR /var/lib/exportd
ENTRYPOINT []
CMD ["ingestd"]
