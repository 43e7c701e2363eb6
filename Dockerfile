# The image docker-compose.yml runs: the server, the runner and the web client built once
# (scripts/build.mjs), run with plain node. better-sqlite3 compiles here (the full image has its tools).
FROM node:22-bookworm
# bubblewrap: the runner's sandbox for step processes. Docker's default seccomp profile refuses the
# user namespaces it needs, so there the runner says at start that it runs them unsandboxed (the
# container is then the boundary); docs/operations.md, "Step sandbox".
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npx -y pnpm@10.34.9 install --frozen-lockfile && node scripts/build.mjs \
  && mkdir /data && chown node:node /data
USER node
# MALLOC_ARENA_MAX: glibc keeps less freed memory per thread (about 7 MiB of the idle server; docs/operations.md).
ENV WEFT_DATA_DIR=/data MALLOC_ARENA_MAX=2
EXPOSE 8787
CMD ["node", "--max-semi-space-size=2", "server/dist/start.js"]
