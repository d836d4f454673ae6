# Augur agent image: multi-stage, small runtime, non-root, read-only-root-FS friendly.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev
# The native TensorFlow backend: its install downloads libtensorflow, which the image build may
# do (the development machines cannot, and run the same model files on the wasm backend).
RUN npm install --no-save --omit=dev --no-audit --no-fund @tensorflow/tfjs-node@4.22.0

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# git: the Workspace shells out to it (simple-git); tini: signals reach node, so SIGTERM lets a
# running cycle finish.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY models ./models
USER node
# The checkout lives under the temp dir: mount an emptyDir at /tmp with a read-only root FS.
ENV TMPDIR=/tmp HOME=/tmp
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/cli/main.js"]
CMD ["serve", "-c", "/etc/augur/augur.yaml"]
