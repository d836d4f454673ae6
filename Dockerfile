# Augur agent image: multi-stage, small runtime, non-root, read-only-root-FS friendly.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev
# The native TensorFlow backend, only for images that run the neural model (sizing.neural) and
# want it faster than the wasm backend: --build-arg TFJS_NODE=true. Its install downloads
# libtensorflow (about 300 MB), which the default image does without.
ARG TFJS_NODE=false
RUN if [ "$TFJS_NODE" = "true" ]; then npm install --no-save --omit=dev --no-audit --no-fund @tensorflow/tfjs-node@4.22.0; fi

FROM node:20-bookworm-slim
# OCI labels: docker build --build-arg VERSION=$(node -p "require('./package.json').version") --build-arg REVISION=$(git rev-parse HEAD) .
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="augur" \
      org.opencontainers.image.description="Predictive scaling for GitOps: forecasts load and proposes replica, HPA and resource changes as pull requests" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.licenses="Apache-2.0"
# augur_build_info{revision} reads it (src/util/version.ts): the image has no .git to read.
ENV NODE_ENV=production AUGUR_REVISION=$REVISION
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
