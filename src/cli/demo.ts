// `augur demo`: the main job on the embedded default. Builds a local manifest repository (bare
// git remote) from the bundled manifests, replays bundled real traces as recent history, and runs
// one real cycle against the local forge. No cluster, no token, no network.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleGit } from 'simple-git';
import { runCycle } from '../agent/cycle.js';
import { buildForge, buildLogger, buildMetrics, buildWorkspace } from '../agent/wire.js';
import { loadConfig } from '../config/load.js';
import { decisionsTable } from './format.js';

/** The bundled demo: guardrails file, manifests and traces. */
export const DEMO_ASSETS = fileURLToPath(new URL('../../config/demo/', import.meta.url));

export async function prepareDemo(dir: string): Promise<{ config: string; remote: string }> {
  const root = resolve(dir);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(join(DEMO_ASSETS, 'augur.yaml'), join(root, 'augur.yaml'));
  cpSync(join(DEMO_ASSETS, 'traces'), join(root, 'traces'), { recursive: true });
  const remote = join(root, 'remote.git');
  await simpleGit().raw(['init', '--bare', '--initial-branch=main', remote]);
  const seed = join(root, 'seed');
  cpSync(join(DEMO_ASSETS, 'manifests'), seed, { recursive: true });
  const git = simpleGit({ baseDir: seed, config: ['user.name=Demo Platform Team', 'user.email=platform@example.com', 'commit.gpgsign=false'] });
  await git.init(['--initial-branch=main']);
  await git.add('.');
  await git.commit('Manifests of the shop, jobs and edge namespaces');
  await git.push(remote, 'main');
  rmSync(seed, { recursive: true, force: true });
  return { config: join(root, 'augur.yaml'), remote };
}

export async function runDemo(dir: string): Promise<void> {
  const started = performance.now();
  const { config: configPath, remote } = await prepareDemo(dir);
  const loaded = loadConfig(configPath);
  const now = Math.floor(Date.now() / 1000);
  const log = buildLogger({ level: process.env.AUGUR_LOG_LEVEL ?? 'warn' });
  const report = await runCycle({
    config: loaded.config,
    metrics: buildMetrics(loaded, now),
    workspace: buildWorkspace(loaded),
    forge: buildForge(loaded, log),
    now,
    log,
  });
  const rel = (p: string) => relative(process.cwd(), p) || '.';
  console.log(`Augur demo: one cycle over ${loaded.config.targets.length} workloads, real traces replayed as the last 14 days.\n`);
  console.log(decisionsTable(report));
  for (const p of report.proposals) {
    const diff = await simpleGit({ baseDir: remote }).raw(['diff', '--stat', `main...${p.proposal.branch}`]);
    console.log(`\nPR #${p.pr?.number} (${p.action}): ${p.proposal.title}`);
    console.log(`  body:   ${rel(p.pr?.url ?? '')}`);
    console.log(`  branch: ${p.proposal.branch} in ${rel(remote)}  (git --git-dir ${rel(remote)} diff main...${p.proposal.branch})`);
    console.log(diff.trimEnd().replace(/^/gm, '  '));
  }
  if (report.dashboard) console.log(`\nDashboard: ${rel(report.dashboard)}`);
  console.log(`Guardrails file: ${rel(configPath)}  (try: npm run augur -- plan -c ${rel(configPath)})`);
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

