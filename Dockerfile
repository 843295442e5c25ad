# One image for every Qingshan service; docker-compose.yml picks the service with the command
# (`node --import tsx services/cli/src/main.ts run ingest|writer|evaluator|notifier|api`, or `… simulate`).
# Commands run node itself, not `pnpm qingshan`: pnpm exits on SIGTERM without passing it on, so the
# service would be killed instead of finishing its in-flight work (test/compose/stop.test.ts).
FROM node:20-bookworm-slim

RUN npm install --global pnpm@12.4.2 && npm cache clean --force
WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first (pnpm fetch needs only the lockfile), so a code change does not refetch them.
COPY --chown=node:node pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY --chown=node:node . .
# Dev dependencies included: services run their TypeScript through tsx (`node --import tsx`).
RUN pnpm install --offline --frozen-lockfile
# The data directory (config dataDir ./data), owned by node: a named volume mounted here (the
# notifier's, docker-compose.yml) takes the ownership from the image.
RUN mkdir -p /app/data

# A 64 MB young generation (V8's default tops out at 16 MB): the pipeline's readings outlive a small
# one and are copied by every scavenge; as the package.json scripts run node (README "Running node yourself").
ENV NODE_OPTIONS="--enable-source-maps --max-semi-space-size=64"
# The services read their configuration from config/qingshan.yaml overridden by QINGSHAN_* variables.
EXPOSE 1883 8080 9212
# Without a command: the embedded mode, everything in one process.
CMD ["node", "--import", "tsx", "services/cli/src/main.ts", "start"]
