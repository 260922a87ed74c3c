# Images built from this file (the build context is the repository root):
#
#   docker build -t user-dashboard .
#       The API with the SPA at /, same origin (the default, last stage).
#   docker build --target web --build-arg VITE_API_URL=http://localhost:8080 -t user-dashboard-web .
#       The SPA alone on nginx, port 8081, calling the API at VITE_API_URL.
#   docker build --target fake-stytch -t fake-stytch .
#       The fake Stytch server for offline runs and demos.

ARG RUST_VERSION=1.95
ARG NODE_VERSION=20

# ---------------------------------------------------------------------------
# Rust dependencies. They are compiled against placeholder sources, so this
# layer is reused until Cargo.toml, a crate manifest or Cargo.lock changes.
FROM rust:${RUST_VERSION}-bookworm AS rust-deps
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY api/Cargo.toml api/
COPY fake-stytch/Cargo.toml fake-stytch/
# Cargo loads every workspace member, so both crates need a lib and a main.
RUN mkdir -p api/src fake-stytch/src \
    && for crate in api fake-stytch; do \
        printf 'fn main() {}\n' > "$crate/src/main.rs"; \
        : > "$crate/src/lib.rs"; \
    done \
    && cargo build --release --locked -p api

# ---------------------------------------------------------------------------
# The API binary. sqlx's migrate! embeds migrations/ at compile time.
FROM rust-deps AS api-build
COPY migrations migrations
COPY api/src api/src
# COPY keeps the files' modification times, which can be older than the
# placeholder build, so cargo would not notice the real sources. Touching
# them forces the rebuild.
RUN touch api/src/lib.rs api/src/main.rs \
    && cargo build --release --locked -p api \
    && mkdir -p /out/data \
    && cp target/release/api /out/api

# ---------------------------------------------------------------------------
# The fake Stytch binary, with its own dependency layer first.
FROM rust-deps AS fake-stytch-build
RUN cargo build --release --locked -p fake-stytch
COPY fake-stytch/src fake-stytch/src
RUN touch fake-stytch/src/lib.rs fake-stytch/src/main.rs \
    && cargo build --release --locked -p fake-stytch \
    && cp target/release/fake-stytch /usr/local/bin/fake-stytch

# ---------------------------------------------------------------------------
# The SPA. VITE_API_URL is read at build time: empty means the API serves
# the SPA itself (same origin), a URL means the SPA calls that API origin.
FROM node:${NODE_VERSION}-bookworm-slim AS web-build
WORKDIR /web
# Browsers are only needed by the end-to-end tests, which do not run here.
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
ARG VITE_API_URL=""
RUN npm run build

# ---------------------------------------------------------------------------
# Target `web`: the SPA on nginx with a fallback to index.html.
FROM nginx:stable-alpine AS web
COPY deploy/nginx-spa.conf /etc/nginx/conf.d/default.conf
COPY --from=web-build /web/dist /usr/share/nginx/html
EXPOSE 8081

# ---------------------------------------------------------------------------
# Target `fake-stytch`. The binary accepts only loopback listen addresses
# because the fake trusts every caller, so it cannot listen on the
# container's network interface: run it inside the network namespace of the
# container that calls it (docker-compose.yml uses network_mode
# "service:api"). curl is included for the health check and for reading
# the outbox: docker compose exec fake-stytch curl -s http://127.0.0.1:4010/_fake/outbox
FROM debian:bookworm-slim AS fake-stytch
# curl is not pinned: Debian's archive drops a version once a security update
# replaces it, so a pinned build would break; bookworm itself is pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin fake-stytch
COPY --from=fake-stytch-build /usr/local/bin/fake-stytch /usr/local/bin/fake-stytch
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/fake-stytch"]
CMD ["--host", "127.0.0.1", "--port", "4010", "--project-id", "project-test-fake", "--secret", "secret-fake"]

# ---------------------------------------------------------------------------
# Default target: the API. distroless/cc has glibc, libgcc, CA certificates
# and a nonroot user (uid 65532), and no shell or package manager.
FROM gcr.io/distroless/cc-debian12:nonroot AS api
WORKDIR /app
COPY --from=api-build /out/api /app/api
COPY --from=web-build /web/dist /app/web/dist
# The default DATABASE_URL is a SQLite file in data/, which the API creates
# on first start, so the directory must belong to the user that runs it.
COPY --from=api-build --chown=65532:65532 /out/data /app/data
USER 65532:65532
ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080
# No HEALTHCHECK: the image has no curl or shell to run one. Probe
# GET /healthz (liveness) and GET /readyz (database reachable) over HTTP
# from the orchestrator or load balancer instead.
ENTRYPOINT ["/app/api"]
CMD ["serve"]
