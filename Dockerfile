# One image for every process of the package (ingestd now; realtimed and exportd join it).
# librdkafka must be 2.1 or later (2.0 cannot parse current brokers' ApiVersions responses):
# Ubuntu 24.04 ships 2.3.
FROM swift:6.3-noble AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka-dev libavro-dev libzmq3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Shared Shared
COPY Services Services
COPY Tests Tests
RUN swift build -c release --product ingestd \
    && swift build -c release --product kafka-demo-producer \
    && mkdir -p /out && cp "$(swift build -c release --show-bin-path)"/ingestd \
       "$(swift build -c release --show-bin-path)"/kafka-demo-producer /out/

FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka1 libavro23 libzmq5 libcurl4 libxml2 curl ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
COPY --from=build /out/ /usr/local/bin/
COPY demo /opt/kafka-web-proxy/demo
ENV LD_LIBRARY_PATH=/usr/lib/swift/linux
RUN useradd --system --no-create-home proxy
USER proxy
ENTRYPOINT []
CMD ["ingestd"]
