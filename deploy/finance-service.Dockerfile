# syntax=docker/dockerfile:1
#
# The finance-service image. The build context is the repository root:
#
#   docker build -f deploy/finance-service.Dockerfile -t finance-bot/finance-service .
#
# Stages: chef (the Rust toolchain and cargo-chef) -> planner (a recipe of the
# workspace's manifests and lock file) -> builder (the dependencies are built in a
# layer of their own, which Docker reuses until Cargo.toml or Cargo.lock change; then
# the service itself) -> runtime (distroless: glibc, CA certificates, no shell, no
# package manager; the binary only, run as a non-root user).
#
# The SQL migrations are embedded in the binary at build time (migrations/finance), so
# the image needs no other file. `finance-service migrate` applies them and exits;
# `finance-service` (or `serve`) applies them too, under a PostgreSQL advisory lock, then
# serves on BIND_ADDR (default 0.0.0.0:8001).

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
RUN cargo chef cook --release --locked --recipe-path recipe.json --package finance-service
COPY . .
RUN cargo build --release --locked --package finance-service --bin finance-service \
    && install -D -m 0755 target/release/finance-service /out/finance-service

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
LABEL org.opencontainers.image.title="finance-bot finance-service" \
      org.opencontainers.image.description="Finance Bot family money: families, accounts, transactions, budgets, goals, reports (HTTP on port 8001)" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=builder /out/finance-service /usr/local/bin/finance-service
# The distroless "nonroot" user, by number so that Kubernetes can check runAsNonRoot.
USER 65532:65532
EXPOSE 8001
# GET /health/ready on the port of BIND_ADDR; exits 0 on 200 within 3 s, else 1.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/finance-service", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/finance-service"]
CMD ["serve"]
