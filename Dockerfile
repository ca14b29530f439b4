# syntax=docker/dockerfile:1
# Multi-stage build: a static binary (pure Go, CGO off: the embedded server's
# SQLite is modernc.org/sqlite) on a distroless, non-root base.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kizuna ./api
# The data directory, owned by the image's user (65532, distroless' nonroot):
# a named volume mounted there starts as a copy of it, owner included, so
# the embedded default can write without any chown.
RUN mkdir -p /out/data && chown 65532:65532 /out/data && chmod 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kizuna /kizuna
COPY --from=build --chown=65532:65532 /out/data /data
# Embedded mode keeps its files here; with MONGODB_URI set it only holds nothing.
ENV KIZUNA_HTTP_ADDR=:8080 KIZUNA_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=10s --timeout=4s --start-period=10s --retries=3 CMD ["/kizuna", "-healthcheck"]
ENTRYPOINT ["/kizuna"]
