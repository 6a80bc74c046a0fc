# govpulse container image.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t govpulse .
#   docker compose up -d          # the whole stack, see docker-compose.yml
#
# The final image holds only the static binary, the example sources file and
# the reference catalogue; it runs as distroless' "nonroot" user (uid 65532).
# It has no shell (nor curl): its HEALTHCHECK is the binary itself, "govpulse
# healthcheck", which asks /readyz on GOVPULSE_HTTP_ADDR.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Dependencies first, so a source change does not re-download modules.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/govpulse ./cmd/govpulse \
    && /out/govpulse version

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="govpulse" \
      org.opencontainers.image.description="Event-sourced metrics for government-service reform, and a policy portal" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /app
COPY --from=build /out/govpulse /usr/local/bin/govpulse
# Demo material: examples/sources.yaml (tokens come from GOVPULSE_TOKEN_*
# variables, see examples/demo.env) and the shipped catalogue, which is also
# embedded in the binary; GOVPULSE_CATALOG_FILE may point at a replacement.
COPY examples/ /app/examples/
COPY --from=build /src/catalog/*.yaml /app/catalog/
ENV GOVPULSE_HTTP_ADDR=0.0.0.0:8080 \
    GOVPULSE_SOURCES_FILE=/app/examples/sources.yaml
USER nonroot:nonroot
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["/usr/local/bin/govpulse", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/govpulse"]
CMD ["serve"]
