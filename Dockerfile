# Augur agent image: multi-stage, small runtime, non-root, read-only-root-FS friendly.
#
# Both stages run on one base image, pinned by tag and digest. The digest is the multi-arch index
# of node:20.20.2-bookworm-slim as at least eight unrelated public projects pin it (the same
# digest under node:20-bookworm-slim and node:20-slim there); it was not pulled when it was
# written here, and need not be trusted: a pull by digest is verified against the content, so
# `docker build` fails loudly if this digest does not exist or does not match, instead of
# building on whatever the tag points at that day. Renovate (renovate.json: dockerfile manager,
# pinDigests) keeps tag and digest current by pull request, within Node 20: the major the
# project is developed and tested on (test/dockerfile.test.ts checks it and the digest).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev
# The native TensorFlow backend, only for images that run the neural model (sizing.neural) and
# want it faster than the wasm backend: --build-arg TFJS_NODE=true. Its install downloads
# libtensorflow (about 300 MB), and it depends on the umbrella @tensorflow/tfjs (webgl, converter,
# data, core-js: about 190 MB more) that Augur itself no longer needs; the default image does
# without both. Same version as the tfjs-core in package-lock.json: tfjs packages move together.
ARG TFJS_NODE=false
RUN if [ "$TFJS_NODE" = "true" ]; then npm install --no-save --omit=dev --no-audit --no-fund "@tensorflow/tfjs-node@$(node -p "require('@tensorflow/tfjs-core/package.json').version")"; fi

FROM ${NODE_IMAGE}
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
