// Where a field of a kustomize target is edited when the file that sets it is shared: a file other
// overlays also build from is never edited silently. The target's overlay gets the smallest
// override instead (a replicas: entry, a key added to a patch it has); when that is not possible
// the shared file is edited only with manifest.sharedBase: allow, listing the overlays whose render
// changes, and is otherwise held with the overlays named and the fix.
import type { FieldKey, FieldLocation } from '../../domain/workload.js';
import { dirOf, isUnder } from '../paths.js';
import type { Ctx, Lookup } from '../yaml-util.js';
import { NONE } from '../yaml-util.js';
import type { ContainerChoice } from '../workload.js';
import type { KustomizeGraph, Sharers } from './kustomize-graph.js';
import { inlineLookup } from './kustomize-inline.js';
import { patchInsertion, replicasEntry } from './kustomize-override.js';
import type { Level, Occ, Source } from './kustomize-walk.js';
import { sourceMatch } from './kustomize-walk.js';

/** What set a field: the lookup, the kustomization it came from and, when a replicas entry or patch set it, which. */
export interface Resolved {
  res: Lookup;
  level: Level;
  source?: Source;
}

interface SharedBase {
  fields: string[];
  files: Set<string>;
  overlays: Set<string>;
  unknown: boolean;
}

export interface ShareEnv {
  ctx: Ctx;
  /** The target's kustomization directory. */
  dir: string;
  graph: KustomizeGraph;
  allow: boolean;
  /** An autoscaler owns replicas. */
  autoscaled: boolean;
  container: ContainerChoice | undefined;
  /** Others build from the target's own kustomization: it is a base, and an override there is shared too. */
  targetShared: boolean;
  /** Shared edits made (allow), by the base directory edited. */
  bases: Map<string, SharedBase>;
}

export function shareEnv(ctx: Ctx, dir: string, graph: KustomizeGraph, targetFile: string, opts: { allow: boolean; autoscaled: boolean; container: ContainerChoice | undefined }): ShareEnv {
  const own = graph.sharers(targetFile);
  return { ctx, dir, graph, ...opts, targetShared: own !== 'unknown' && own.length > 0, bases: new Map() };
}

/** Kustomizations that would change with an edit of `file`: none for a file only the target builds. */
function sharersOf(env: ShareEnv, file: string): Sharers {
  const s = env.graph.sharers(file);
  // Without a listing, the target's own directory is taken as its own; anything else may be shared.
  return s === 'unknown' && isUnder(file, env.dir) ? [] : s;
}

const isShared = (s: Sharers) => s === 'unknown' || s.length > 0;

/** The lookup of one field after the sharing rules. */
export function placeField(env: ShareEnv, field: FieldKey, r: Resolved, o: Occ): Lookup {
  if (field === 'replicas' && env.autoscaled) return r.res;
  if (r.res.kind === 'blocked') return r.res;
  if (r.res.kind === 'none') {
    // Nothing sets replicas (the default, 1): the target's kustomization says it (a replicas: entry),
    // as an overlay would override a base, unless others build from it.
    return field === 'replicas' && !env.targetShared ? override(env, field, r, o) : r.res;
  }
  const sharers = sharersOf(env, r.res.loc.file);
  if (!isShared(sharers)) return r.res;
  const own = env.targetShared ? NONE : override(env, field, r, o);
  if (own.kind === 'found') return { kind: 'found', loc: { ...own.loc, inherits: r.res.loc.raw } };
  if (env.allow) return share(env, field, r.res.loc, r.level, sharers);
  return { kind: 'blocked', note: holdNote(env, r.res.loc, sharers, o, own.kind === 'blocked' ? own.note : undefined), written: r.res.loc.raw };
}

/** The smallest override in the target's own kustomization, or why there is none. */
function override(env: ShareEnv, field: FieldKey, r: Resolved, o: Occ): Lookup {
  const target = o.chain[0] as Level;
  const kfile = env.ctx.parsed(target.file);
  if (!kfile) return NONE;
  if (field === 'replicas') return replicasEntry(kfile, o.doc.name);
  if (!env.container || field.startsWith('hpa.')) return NONE;
  // Only patches applied after the one that set the field (higher priority) can override it.
  const end = r.level === target && r.source ? target.sources.indexOf(r.source) : target.sources.length;
  let why: Lookup = NONE;
  for (const s of target.sources.slice(0, end < 0 ? target.sources.length : end)) {
    if (s.t !== 'smp' || sourceMatch(s, o, 0, field) !== 'yes') continue;
    if (isShared(sharersOf(env, s.inline ? s.inline.kpath : s.file.path))) continue;
    let res = patchInsertion(s, field, env.container);
    if (s.inline) res = inlineLookup(res, s.inline, kfile.text, s.where);
    if (res.kind === 'found') return res;
    if (res.kind === 'blocked' && why.kind === 'none') why = res;
  }
  return why;
}

/** A shared edit Augur makes (sharedBase: allow), recorded for the note and the PR. */
function record(env: ShareEnv, baseDir: string, what: string, file: string, sharers: Sharers): void {
  const b = env.bases.get(baseDir) ?? { fields: [], files: new Set<string>(), overlays: new Set<string>(), unknown: false };
  b.fields.push(what);
  b.files.add(file);
  if (sharers === 'unknown') b.unknown = true;
  else for (const s of sharers) b.overlays.add(s);
  env.bases.set(baseDir, b);
}

/** sharedBase: allow: the shared file is edited. */
function share(env: ShareEnv, field: FieldKey, loc: FieldLocation, level: Level, sharers: Sharers): Lookup {
  record(env, level.depth > 0 ? level.dir : dirOf(loc.file), field, loc.file, sharers);
  return { kind: 'found', loc };
}

function whom(sharers: Sharers): string {
  if (sharers === 'unknown') return "other overlays may build from it too (Augur could not list the repository's directories to find them)";
  return `${listed(sharers)} also build${sharers.length === 1 ? 's' : ''} from it`;
}

function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** What override would keep the change in the target's overlay. */
function overrideHint(loc: FieldLocation, o: Occ, container: ContainerChoice | undefined): string {
  if (loc.field === 'replicas') return `a replicas: entry for ${o.doc.name}`;
  if (loc.field.startsWith('hpa.')) return `a patch of ${o.doc.kind}/${o.doc.name} that sets spec.${loc.field.slice(4)}`;
  const key = `resources.${loc.field.endsWith('.limit') ? 'limits' : 'requests'}.${loc.field.split('.')[0]}`;
  return `a strategic-merge patch of ${o.doc.kind}/${o.doc.name} that sets ${key} of container ${container?.name ?? '?'}`;
}

function holdNote(env: ShareEnv, loc: FieldLocation, sharers: Sharers, o: Occ, overrideWhy: string | undefined): string {
  const value = loc.insert ? 'where Augur would add it' : `${loc.yamlPath}: ${loc.raw}`;
  const fix = env.targetShared
    ? `or point the target at one of those overlays and add ${overrideHint(loc, o, env.container)} there`
    : `or add an override to ${env.dir || '(repository root)'} (${overrideHint(loc, o, env.container)})`;
  const tried = overrideWhy ? `; Augur could not add that override itself: ${overrideWhy}` : '';
  return `${loc.field}: only ${loc.file} sets it (${value}), and ${whom(sharers)}, so editing it would change their render too; not edited. Set manifest.sharedBase: allow on the target, ${fix}${tried}`;
}

/** The notes of the shared edits made, and what the WorkloadManifest says about them. */
export function sharedSummary(env: ShareEnv): { files: string[]; overlays: string[] } {
  const files = new Set<string>();
  const overlays = new Set<string>();
  for (const [dir, b] of env.bases) {
    const who = [...b.overlays].sort();
    if (b.unknown) who.push('(others Augur could not list)');
    env.ctx.note(`${b.fields.join(', ')}: edits base ${dir} (${[...b.files].join(', ')}), shared by other overlays: ${who.join(', ')} (manifest.sharedBase: allow)`);
    for (const f of b.files) files.add(f);
    for (const s of b.overlays) overlays.add(s);
  }
  return { files: [...files], overlays: [...overlays].sort() };
}

/** A file Augur edits outside the fields (the ScaledObject's triggers): whether it may, by the same rule (recorded when shared). */
export function mayEditFile(env: ShareEnv, what: string, file: string): boolean {
  const sharers = sharersOf(env, file);
  if (!isShared(sharers)) return true;
  if (env.allow) {
    record(env, dirOf(file), what, file, sharers);
    return true;
  }
  env.ctx.note(`${what}: ${file} holds them, and ${whom(sharers)}; Augur leaves them alone. Set manifest.sharedBase: allow on the target to let it edit them there`);
  return false;
}
