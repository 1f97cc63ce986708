# Production-like image of Steller (used by docker-compose.yml; not needed for development).
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Dev dependencies stay out; the image's own Node 22 runs the TypeScript sources (it strips the types itself; tsx on a Node 22 older than 22.18).
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY bot ./bot
COPY api ./api
COPY migrations ./migrations
USER node
EXPOSE 3000
CMD ["node", "src/cli/bin.js", "start"]
