# Production image for the gateway and the worker (docker-compose.yml runs one of each).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Memory (measured by npm run bench, BENCHMARKS.md): glibc gives each busy thread its own malloc arena, and
# the worker's Rust core and libuv run many threads, so two arenas instead of 8 per core cut the worker's
# peak by about 50 MiB. A 4 MiB young generation instead of 16 MiB takes 30-40 MiB more off each process;
# the worker, whose CPU per step it raises by up to 10-15 %, is given 16 MiB on its command line
# (docker-compose.yml). The old generation follows the container's memory limit.
ENV MALLOC_ARENA_MAX=2
ENV NODE_OPTIONS=--max-semi-space-size=4
# The Temporal SDK records a stack for every promise a workflow creates, for the Web UI's Stack Trace tab:
# a quarter of the workflow thread's CPU (npm run bench). Off here (patches/@temporalio+worker+*.patch);
# set it on to see where a stuck film waits.
ENV WORKFLOW_STACK_TRACES=off
WORKDIR /app
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/cli/gateway.js"]
