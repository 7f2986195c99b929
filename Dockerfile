# syntax=docker/dockerfile:1
#
# feedmill as a container: `feedmill serve` on port 8080.
#
#   docker build -t feedmill .
#   docker run -d -p 8080:8080 \
#     -v "$PWD/feeds.toml:/etc/feedmill/feeds.toml:ro" \
#     -v feedmill-store:/var/lib/feedmill \
#     -v feedmill-public:/srv/feedmill \
#     feedmill
#
# In feeds.toml, point the store and the output at the volumes:
#   [site]
#   store = "/var/lib/feedmill/feedmill.db"
#   output_dir = "/srv/feedmill/public"

# ---- build: the release binary (rusqlite bundles SQLite, so a C compiler is needed: the
# rust image has gcc) ----
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# Cargo.toml names the benchmarks; cargo reads their files even for `--bin`.
COPY benches ./benches
RUN cargo build --release --locked --bin feedmill \
    && strip target/release/feedmill

# ---- runtime: Debian slim, CA certificates for https sources, an unprivileged user ----
FROM debian:bookworm-slim
# Unpinned on purpose: ca-certificates follows Debian's security updates at each build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/feedmill \
         --shell /usr/sbin/nologin feedmill \
    && mkdir -p /etc/feedmill /var/lib/feedmill /srv/feedmill \
    && chown feedmill:feedmill /var/lib/feedmill /srv/feedmill
COPY --from=build /src/target/release/feedmill /usr/local/bin/feedmill
USER 10001:10001
WORKDIR /var/lib/feedmill
# The config (read-only is enough), the article store, the built feeds.
VOLUME ["/etc/feedmill", "/var/lib/feedmill", "/srv/feedmill"]
ENV RUST_LOG=feedmill=info
EXPOSE 8080
# No curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["feedmill", "healthz", "http://127.0.0.1:8080/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["feedmill"]
CMD ["serve", "--config", "/etc/feedmill/feeds.toml", "--listen", "0.0.0.0:8080"]
