# For docker-compose.yml. Nothing in the tests or CI needs Docker.
# Node 22 (LTS): node:20 has reached its end of life; the code itself still runs on 20.19+, as CI checks.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci needs every workspace's manifest (the verification kit and the example are workspaces).
COPY packages/verify/package.json packages/verify/
COPY examples/resource-service/package.json examples/resource-service/
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
# Memory: see README "Performance" (one malloc arena, a small young generation, an old generation that grows by 30 % at a time).
ENV NODE_ENV=production HOST=0.0.0.0 MALLOC_ARENA_MAX=1
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The admin console (served only with ADMIN_CONSOLE_ENABLED=true in production).
COPY --from=build /app/client/admin/dist ./client/admin/dist
COPY --from=build /app/prisma ./prisma
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=30", "dist/main.js"]
