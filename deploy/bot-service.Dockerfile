# syntax=docker/dockerfile:1
#
# The bot-service image. The build context is the repository root:
#
#   docker build -f deploy/bot-service.Dockerfile -t finance-bot/bot-service .
#
# Stages: chef (the Rust toolchain and cargo-chef) -> planner (a recipe of the
# workspace's manifests and lock file) -> builder (the dependencies are built in a
# layer of their own, which Docker reuses until Cargo.toml or Cargo.lock change; then
# the bot itself) -> runtime (distroless: glibc and the CA certificates the bot needs
# to reach api.telegram.org over TLS, no shell, no package manager; the binary only,
# run as a non-root user).
#
# The bot serves no port. Run exactly one container per bot token: two long-pollers
# on one token make Telegram answer 409 Conflict to both.

ARG RUST_VERSION=1
ARG CARGO_CHEF_VERSION=0.1.77

FROM rust:${RUST_VERSION}-bookworm AS chef
ARG CARGO_CHEF_VERSION
RUN cargo install cargo-chef --locked --version "${CARGO_CHEF_VERSION}"
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json --package bot-service
COPY . .
RUN cargo build --release --locked --package bot-service --bin bot-service \
    && install -D -m 0755 target/release/bot-service /out/bot-service

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="finance-bot bot-service" \
      org.opencontainers.image.description="Finance Bot Telegram bot (long polling; no port)" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=builder /out/bot-service /usr/local/bin/bot-service
# The distroless "nonroot" user, by number so that Kubernetes can check runAsNonRoot.
USER 65532:65532
# Redis answers PING and the auth service's /health/ready answers 200, within 3 s.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/bot-service", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/bot-service"]
