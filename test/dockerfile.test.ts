// The Dockerfile, parsed (no container engine here): what the image must be, checked statement by
// statement with dockerfile-ast, the parser behind the Docker language server.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dockerfile = DockerfileParser.parse(readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions().map((i) => ({ keyword: i.getKeyword(), args: i.getArguments().map((a) => a.getValue()), text: i.getTextContent() }));
const stages = dockerfile.getFROMs();
const runtimeStart = dockerfile.getInstructions().indexOf(stages[stages.length - 1]!);
const runtime = instructions.slice(runtimeStart);

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on the same Node 20 base pinned by digest', () => {
    // The FROM lines name ${NODE_IMAGE}: the image is what Docker (and Renovate) expand it to.
    const images = stages.map((f) => f.getExpandedArguments()[0]?.getValue() ?? '');
    expect(images).toHaveLength(2);
    expect(new Set(images).size).toBe(1);
    for (const image of images) {
      // name:tag@sha256:<64 hex>: a pull by digest is verified, so the build cannot drift with the tag.
      const ref = /^(?<name>[a-z0-9./-]+):(?<tag>[\w.-]+)@sha256:(?<digest>[0-9a-f]{64})$/.exec(image);
      expect(ref, image).not.toBeNull();
      expect(ref?.groups?.name).toBe('node');
      expect(ref?.groups?.tag).toMatch(/^20\.\d+\.\d+-bookworm-slim$/);
    }
  });

  it('is kept current by Renovate: base image tag and digest, and the npm packages', () => {
    const renovate = JSON.parse(readFileSync(resolve(ROOT, 'renovate.json'), 'utf8')) as {
      enabledManagers: string[];
      packageRules: { matchManagers?: string[]; matchPackageNames?: string[]; pinDigests?: boolean; groupName?: string }[];
    };
    expect(renovate.enabledManagers).toEqual(expect.arrayContaining(['dockerfile', 'npm']));
    expect(renovate.packageRules.some((r) => r.matchManagers?.includes('dockerfile') && r.pinDigests === true)).toBe(true);
    // tfjs packages peer-depend on tfjs-core at their own exact version: one group, one PR.
    expect(renovate.packageRules.find((r) => r.matchPackageNames?.includes('@tensorflow/**'))?.groupName).toBeDefined();
  });

  it('copies only what exists in the repository', () => {
    const sources = instructions.filter((i) => i.keyword === 'COPY' && !i.text.includes('--from=')).flatMap((i) => i.args.slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const s of sources) expect(existsSync(resolve(ROOT, s)), s).toBe(true);
  });

  it('runs as a non-root user under tini, with a health check on /healthz', () => {
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toEqual(['node']);
    expect(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.text).toContain('/usr/bin/tini');
    expect(runtime.find((i) => i.keyword === 'HEALTHCHECK')?.text).toContain('/healthz');
  });

  it('adds tfjs-node (which downloads libtensorflow) only when built with TFJS_NODE=true', () => {
    const tfjs = instructions.filter((i) => i.text.includes('@tensorflow/tfjs-node'));
    expect(tfjs).toHaveLength(1);
    expect(tfjs[0]!.text).toMatch(/if \[ "\$TFJS_NODE" = "true" \]/);
    // At the version of the tfjs-core installed from package-lock.json, not a second copy of it.
    expect(tfjs[0]!.text).toContain(`@tensorflow/tfjs-node@$(node -p "require('@tensorflow/tfjs-core/package.json').version")`);
    expect(instructions.find((i) => i.keyword === 'ARG' && i.args[0] === 'TFJS_NODE=false')).toBeDefined();
  });

  it('labels the image with the OCI keys, version and revision from build arguments', () => {
    const labels = runtime.filter((i) => i.keyword === 'LABEL').map((i) => i.text).join('\n');
    for (const key of ['title', 'description', 'version', 'revision', 'licenses']) expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain('"$VERSION"');
    expect(labels).toContain('"$REVISION"');
    expect(labels).toContain(`licenses="${JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')).license}"`);
  });

  it('passes the revision to the process, for augur_build_info{revision}', () => {
    const env = runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args.join(' ')).join(' ');
    expect(env).toContain('AUGUR_REVISION=$REVISION');
    expect(runtime.findIndex((i) => i.keyword === 'ARG' && i.args[0] === 'REVISION=unknown')).toBeLessThan(runtime.findIndex((i) => i.text.includes('AUGUR_REVISION')));
  });
});
