# One image for every Qingshan service; docker-compose.yml picks the service with the command
# (`pnpm qingshan run ingest|writer|evaluator|notifier|api`, `pnpm qingshan simulate`).
FROM node:20-bookworm-slim

RUN npm install --global pnpm@12.4.2 && npm cache clean --force
WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first (pnpm fetch needs only the lockfile), so a code change does not refetch them.
COPY --chown=node:node pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY --chown=node:node . .
# Dev dependencies included: services run their TypeScript through tsx (`pnpm qingshan`).
RUN pnpm install --offline --frozen-lockfile

ENV NODE_OPTIONS=--enable-source-maps
# The services read their configuration from config/qingshan.yaml overridden by QINGSHAN_* variables.
EXPOSE 1883 8080 9212
# Without a command: the embedded mode, everything in one process.
CMD ["pnpm", "qingshan", "start"]
