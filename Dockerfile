# syntax=docker/dockerfile:1
# Build stage: compile the single executable (templates and migrations inside).
FROM oven/bun:1.4.4-debian AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile --production --ignore-scripts
COPY tsconfig.json bunfig.toml ./
COPY src ./src
RUN bun build src/main.ts src/db/checkpoint-worker.ts --compile --minify-whitespace --minify-syntax --outfile /out/hookstream \
 && mkdir -p /out/data

# Runtime stage: glibc + CA certificates only, non-root.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/hookstream /usr/local/bin/hookstream
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV HOOKSTREAM_HOST=0.0.0.0 \
    HOOKSTREAM_PORT=8080 \
    HOOKSTREAM_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/hookstream", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/hookstream"]
CMD ["serve"]
