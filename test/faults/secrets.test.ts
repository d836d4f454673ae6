// Secrets stay secret, end to end: the git token reaches real git over HTTP through a credential
// helper and the environment, never a command line; config errors, log lines and CLI output never
// carry a secret. Each test failed before the fix it names.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ASSETS } from '../../src/cli/demo.js';
import { GitWorkspace } from '../../src/workspace/git.js';
import { branchSha, makeRemote } from '../support/git.js';
import { startGitHttp, type GitHttpServer } from '../support/git-http.js';

const exec = promisify(execFile);
const TOKEN = 'ghs_0123456789abcdefghijABCDEFGHIJ0123';
const servers: GitHttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('the git token', () => {
  it('reaches git through a credential helper and the environment, never the command line', async () => {
    const bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
    const server = await startGitHttp(bare, 'x-access-token', TOKEN);
    servers.push(server);
    // A `git` first on the PATH that records every command line it is started with, then runs git.
    const shim = mkdtempSync(join(tmpdir(), 'augur-git-shim-'));
    const log = join(shim, 'argv.log');
    const realGit = (await exec('sh', ['-c', 'command -v git'])).stdout.trim();
    writeFileSync(join(shim, 'git'), `#!/bin/sh\nprintf '%s ' "$@" >> "${log}"\nprintf '\\n' >> "${log}"\nexec "${realGit}" "$@"\n`);
    chmodSync(join(shim, 'git'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${shim}:${path}`;
    try {
      const ws = new GitWorkspace({ url: server.url, dir: join(mkdtempSync(join(tmpdir(), 'augur-ws-')), 'checkout'), baseBranch: 'main', author: { name: 'augur[bot]', email: 'augur@users.noreply.github.com' }, auth: { username: 'x-access-token', password: TOKEN } });
      await ws.sync();
      const sha = await ws.publish('augur/shop/web', new Map([['apps/web/NOTE.md', 'pushed over HTTP\n']]), 'a change\n');
      expect(branchSha(bare, 'augur/shop/web')).toBe(sha);
    } finally {
      process.env.PATH = path;
    }
    // Git authenticated (the server saw the token), and no command line carried it in any form.
    expect(server.authorizations).toContain(`Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`);
    const argv = readFileSync(log, 'utf8');
    expect(argv).toMatch(/push/);
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(argv).not.toMatch(/extraHeader|Authorization/i);
  });

  it('a wrong token fails at once instead of waiting at a prompt', async () => {
    const bare = makeRemote(join(DEMO_ASSETS, 'manifests'));
    const server = await startGitHttp(bare, 'x-access-token', TOKEN);
    servers.push(server);
    const ws = new GitWorkspace({ url: server.url, dir: join(mkdtempSync(join(tmpdir(), 'augur-ws-')), 'checkout'), baseBranch: 'main', author: { name: 'a', email: 'a@example.com' }, auth: { username: 'x-access-token', password: 'wrong-token-123' } });
    const started = Date.now();
    const err = await ws.sync().then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/Authentication failed|could not read Username|terminal prompts disabled/);
    expect(err?.message).not.toContain('wrong-token-123');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('config errors never print a secret', () => {
  const validate = async (yaml: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'augur-secret-config-'));
    const file = join(dir, 'augur.yaml');
    writeFileSync(file, yaml);
    return exec('npx', ['tsx', 'src/cli/main.ts', 'validate', file]).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr, file }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr, file }),
    );
  };
  const base = ['git: { url: /tmp/x }', 'forge: { type: local, path: f }', 'targets:', '  - { namespace: shop, name: web, manifest: { format: plain, path: a.yaml }, metrics: { load: { query: up } }, capacity: { perReplica: 1 } }'];

  it('credentials in URLs are refused with the auth field to use, and not echoed', async () => {
    const r = await validate([...base, 'prometheus:', '  url: http://admin:hunter2-pass@prometheus:9090'].join('\n'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('prometheus.url: found "http://(redacted)@prometheus:9090"; credentials in the URL are not allowed');
    expect(r.out).toContain('set prometheus.auth');
    expect(r.out).not.toContain('hunter2-pass');
    const g = await validate(['git: { url: "https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/m.git" }', ...base.slice(1)].join('\n'));
    expect(g.code).toBe(1);
    expect(g.out).toMatch(/git\.url: .*credentials in the URL are not allowed.*set git\.token/);
    expect(g.out).not.toContain('ghp_abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('secrets written inline, or under a misspelt parent key, are redacted', async () => {
    const r = await validate(
      [...base, 'prometheus:', '  url: http://prometheus:9090', '  auth: "Bearer eyJhbGciOiJIUzI1NiJ9.tok3n"', 'webhooks:', '  github: { secret: "whsec-s3cr3t-value" }', 'promtheus:', '  auth: { bearer: "another-s3cret-token" }'].join('\n'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/prometheus\.auth: found \(redacted\)/);
    expect(r.out).toMatch(/webhooks\.github\.secret: found \(redacted\)/);
    expect(r.out).toMatch(/promtheus: found \{"auth":\{"bearer":"\(redacted\)"\}\}; unknown key "promtheus"/);
    for (const secret of ['eyJhbGciOiJIUzI1NiJ9.tok3n', 'whsec-s3cr3t-value', 'another-s3cret-token']) expect(r.out).not.toContain(secret);
  });

  it('an unresolved alias and an alias bomb are config errors with the file and line', async () => {
    const r = await validate([...base, 'policy:', '  cooldown: *missing'].join('\n'));
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${r.file}:6:13: YAML alias *missing has no anchor &missing before it`);
    // 10^7 values from seven lines.
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdef'[i]}`).join(', ')}]`), ...base];
    const b = await validate(bomb.join('\n'));
    expect(b.code).toBe(1);
    expect(b.out).toMatch(new RegExp(`${b.file.replace(/[.]/g, '\\.')}:2:\\d+: YAML aliases expand the file's \\d+ values into more than 1,000,000 .*the first alias is on this line`));
    expect(b.out).not.toMatch(/ReferenceError/);
  });
});

describe('log lines never carry a secret', () => {
  it('a remembered secret, URL credentials and a bearer string are redacted by the logger', async () => {
    const script = [
      "import { buildLogger, readSecret } from './src/agent/wire.ts';",
      "process.env.AUGUR_TEST_SECRET = 'sup3r-secret-value';",
      "readSecret({ env: 'AUGUR_TEST_SECRET' }, 'forge.token');",
      "const log = buildLogger({ level: 'info' });",
      "log.error({ err: 'push failed: remote said sup3r-secret-value', url: 'https://bob:pa55word@example.com/x.git', header: 'Authorization: Bearer abcdefghijklmnop', token: 'whatever-is-here' }, 'failed with sup3r-secret-value');",
    ].join('\n');
    const file = join(process.cwd(), `.log-redaction-${process.pid}.mts`);
    writeFileSync(file, script);
    try {
      const { stderr } = await exec('npx', ['tsx', file]);
      expect(stderr).toContain('"msg":"failed with (redacted)"');
      for (const secret of ['sup3r-secret-value', 'pa55word', 'abcdefghijklmnop', 'whatever-is-here']) expect(stderr).not.toContain(secret);
      expect(stderr).toContain('https://(redacted)@example.com/x.git');
    } finally {
      (await import('node:fs')).rmSync(file, { force: true });
    }
  });
});
