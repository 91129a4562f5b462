# syntax=docker/dockerfile:1
#
# The web-service image. The build context is the repository root:
#
#   docker build -f deploy/web-service.Dockerfile -t finance-bot/web-service .
#
# Stages: chef (the Rust toolchain and cargo-chef) -> planner (a recipe of the
# workspace's manifests and lock file) -> builder (the dependencies are built in a
# layer of their own, which Docker reuses until Cargo.toml or Cargo.lock change; then
# the service itself) -> runtime (distroless: glibc, CA certificates, no shell, no
# package manager; the binary only, run as a non-root user).
#
# The pages, scripts and styles (crates/web-service/static) are embedded in the binary
# at build time. It serves on BIND_ADDR (default 0.0.0.0:8080) and needs
# AUTH_SERVICE_URL.
#
# HEALTHCHECK runs the binary's own `healthcheck` subcommand (it probes /health/ready),
# so the image needs no curl. Kubernetes probes /health and /health/ready over HTTP.

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
RUN cargo chef cook --release --locked --recipe-path recipe.json --package web-service
COPY . .
RUN cargo build --release --locked --package web-service --bin web-service \
    && install -D -m 0755 target/release/web-service /out/web-service

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="finance-bot web-service" \
      org.opencontainers.image.description="Finance Bot web pages and same-origin API proxy (HTTP on port 8080)" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=builder /out/web-service /usr/local/bin/web-service
# The distroless "nonroot" user, by number so that Kubernetes can check runAsNonRoot.
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/web-service", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/web-service"]
