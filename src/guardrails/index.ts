// Every policy of the guardrails file, applied in one fixed order (GUARDRAIL_ORDER, documented in
// the README). Each rule always runs and leaves a note, so a reviewer sees which guardrails shaped
// the numbers; a hold from any rule makes the decision a hold, with all reasons kept.
import { relChange, show } from '../domain/units.js';
import { addCost, money, priced } from '../domain/money.js';
import type { Policy } from '../config/schema.js';
import { fmt, fmtBytes } from '../domain/units.js';
import { hourlyFromTriggers } from '../domain/schedule.js';
import { scheduleTriggers } from '../recommend/schedule.js';
import { changeKindOf } from '../domain/workload.js';
import { type Accuracy } from '../domain/forecast.js';
import { type Change, type Decision, type GuardrailNote, type Recommendation, type ScheduleChange } from '../domain/decision.js';
import { type CostDelta } from '../domain/money.js';
import { activeFreeze, describeFreeze } from './time.js';

export const GUARDRAIL_ORDER = [
  'sanity',
  'protected',
  'minHistory',
  'minAccuracy',
  'freezeWindows',
  'cooldown',
  'allowedChanges',
  'scaleDownOnEvidenceOnly',
  'minReplicas/maxReplicas',
  'maxCpuPerPod/maxMemoryPerPod',
  'maxStepPercent',
  'minChangePercent',
  'rejectedBackoff',
  'budget.perPR',
  // Across targets, in applyLimits():
  'budget.perNamespace',
  'limits.maxOpenPRs',
  'limits.maxPRsPerHour',
] as const;

export interface GuardInput {
  recommendation: Recommendation;
  policy: Policy;
  accuracy?: Accuracy;
  /** Seconds of usable history behind the forecast. */
  historySeconds: number;
  now: number;
  timezone: string;
  /** When the last Augur PR for this workload was merged (Unix seconds). */
  lastMergedAt?: number;
  /** The last Augur PR for this workload that a reviewer closed without merging. */
  lastRejected?: { number: number; closedAt: number; values: Partial<Record<Change['field'], number>> };
  /** Current per-pod requests, to cost replica changes. */
  podRequests: { cpu?: number; memory?: number };
}

export function guard(input: GuardInput): Decision {
  const { policy, recommendation } = input;
  const notes: GuardrailNote[] = [];
  const note = (rule: string, effect: GuardrailNote['effect'], message: string) => notes.push({ rule, effect, message });
  let changes = recommendation.changes.map((c) => ({ ...c }));

  // sanity: never let a non-finite or negative number through, whatever produced it.
  const insane = changes.filter((c) => !Number.isFinite(c.proposed) || c.proposed < 0 || !Number.isFinite(c.current));
  if (insane.length > 0) note('sanity', 'held', `not a usable number: ${insane.map((c) => `${c.field}=${c.proposed}`).join(', ')}`);
  else note('sanity', 'passed', 'all values finite');

  if (policy.protected) note('protected', 'held', 'this workload is protected: Augur reports, never changes it');
  else note('protected', 'passed', 'not protected');

  if (input.historySeconds < policy.minHistory) {
    note('minHistory', 'held', `${days(input.historySeconds)} of history, ${days(policy.minHistory)} needed: ${days(policy.minHistory - input.historySeconds)} missing`);
  } else note('minHistory', 'passed', `${days(input.historySeconds)} of history`);

  const accuracy = input.accuracy ? 1 - input.accuracy.wape : undefined;
  if (accuracy === undefined) note('minAccuracy', 'held', 'no backtest accuracy yet (history too short to test the model on this workload)');
  else if (!(accuracy >= policy.minAccuracy)) note('minAccuracy', 'held', `backtest accuracy ${pct(accuracy)} is below ${pct(policy.minAccuracy)}`);
  else note('minAccuracy', 'passed', `backtest accuracy ${pct(accuracy)} ≥ ${pct(policy.minAccuracy)}`);

  const freeze = activeFreeze(policy.freezeWindows, input.now, input.timezone);
  if (freeze) note('freezeWindows', 'held', `inside freeze window ${describeFreeze(freeze)}`);
  else note('freezeWindows', 'passed', policy.freezeWindows.length ? 'outside every freeze window' : 'none set');

  if (input.lastMergedAt !== undefined && input.now - input.lastMergedAt < policy.cooldown) {
    const left = policy.cooldown - (input.now - input.lastMergedAt);
    note('cooldown', 'held', `the last Augur change merged ${hoursText(input.now - input.lastMergedAt)} ago; cooldown ${hoursText(policy.cooldown)} (${hoursText(left)} left)`);
  } else note('cooldown', 'passed', input.lastMergedAt === undefined ? 'no recent Augur merge' : `last Augur merge ${hoursText(input.now - input.lastMergedAt)} ago`);

  const disallowed = changes.filter((c) => !policy.allowedChanges.includes(changeKindOf(c.field)));
  if (disallowed.length > 0) {
    changes = changes.filter((c) => !disallowed.includes(c));
    note('allowedChanges', 'dropped', `not allowed here: ${disallowed.map((c) => c.field).join(', ')} (allowed: ${policy.allowedChanges.join(', ')})`);
  } else note('allowedChanges', 'passed', policy.allowedChanges.join(', '));

  const ruleNotes = notes.length;
  for (const c of changes) {
    if (!policy.scaleDownOnEvidenceOnly || c.proposed >= c.current) continue;
    // No observation behind a decrease means no evidence: it does not go down at all.
    const supported = c.observed === undefined ? c.current : Math.min(c.current, c.observed);
    if (c.proposed < supported) {
      note('scaleDownOnEvidenceOnly', 'clamped', `${c.field}: forecast says ${show(c.field, c.proposed)}, observed history supports only ${show(c.field, supported)}`);
      c.proposed = supported;
    }
  }
  if (notes.length === ruleNotes) note('scaleDownOnEvidenceOnly', 'passed', 'every decrease is backed by observed history');

  const beforeReplicas = notes.length;
  for (const c of changes) {
    if (changeKindOf(c.field) !== 'replicas' && changeKindOf(c.field) !== 'hpa') continue;
    const clamped = Math.min(policy.maxReplicas, Math.max(policy.minReplicas, c.proposed));
    if (clamped !== c.proposed) {
      note('minReplicas/maxReplicas', 'clamped', `${c.field}: ${c.proposed} → ${clamped} (policy allows ${policy.minReplicas}..${policy.maxReplicas})`);
      c.proposed = clamped;
    }
  }
  if (notes.length === beforeReplicas) note('minReplicas/maxReplicas', 'passed', `within ${policy.minReplicas}..${policy.maxReplicas}`);

  const beforePerPod = notes.length;
  for (const c of changes) {
    const cap = c.field === 'cpu.request' ? policy.maxCpuPerPod : c.field === 'memory.request' ? policy.maxMemoryPerPod : undefined;
    if (cap !== undefined && c.proposed > cap) {
      note(c.field === 'cpu.request' ? 'maxCpuPerPod' : 'maxMemoryPerPod', 'clamped', `${c.field}: ${show(c.field, c.proposed)} → ${show(c.field, cap)}`);
      c.proposed = cap;
    }
  }
  if (notes.length === beforePerPod) note('maxCpuPerPod/maxMemoryPerPod', 'passed', `at most ${show('cpu.request', policy.maxCpuPerPod)} and ${show('memory.request', policy.maxMemoryPerPod)} per pod`);

  const beforeStep = notes.length;
  for (const c of changes) {
    if (c.current <= 0) continue;
    const dir = c.proposed > c.current ? 'up' : 'down';
    const bound = c.current * (1 + (dir === 'up' ? 1 : -1) * (policy.maxStepPercent[dir] / 100));
    const beyond = dir === 'up' ? c.proposed > bound : c.proposed < bound;
    if (!beyond) continue;
    const limit = stepLimit(c.field, c.current, bound, dir);
    note(`maxStepPercent.${dir}`, 'clamped', `${c.field}: ${show(c.field, c.proposed)} → ${show(c.field, limit)} (at most ${policy.maxStepPercent[dir]}% ${dir} per PR${limit !== bound && isWhole(c.field) && Math.abs(limit - c.current) === 1 ? '; one replica is always allowed' : ''})`);
    c.proposed = limit;
  }
  if (notes.length === beforeStep) note('maxStepPercent', 'passed', `within +${policy.maxStepPercent.up}% / −${policy.maxStepPercent.down}%`);

  // A request never exceeds its limit, whether the limit changes with it or stays as it is.
  for (const [req, lim] of [['cpu.request', 'cpu.limit'], ['memory.request', 'memory.limit']] as const) {
    const r = changes.find((c) => c.field === req);
    const l = changes.find((c) => c.field === lim);
    if (r && l && l.proposed < r.proposed) l.proposed = r.proposed;
    const currentLimit = recommendation.changes.find((c) => c.field === lim)?.current;
    if (r && !l && currentLimit !== undefined && r.proposed > currentLimit) {
      note('allowedChanges', 'clamped', `${req}: ${show(req, r.proposed)} → ${show(req, currentLimit)}, the limit that stays in the manifest`);
      r.proposed = currentLimit;
    }
  }
  // An HPA's maxReplicas is never below its minReplicas.
  const hMin = changes.find((c) => c.field === 'hpa.minReplicas');
  const hMax = changes.find((c) => c.field === 'hpa.maxReplicas');
  if (hMin && hMax && hMax.proposed < hMin.proposed) hMax.proposed = hMin.proposed;

  const small = changes.filter((c) => relChange(c) * 100 < policy.minChangePercent);
  const meaningful = small.filter((c) => c.proposed !== c.current);
  if (meaningful.length > 0) {
    note('minChangePercent', 'dropped', `below ${policy.minChangePercent}%: ${meaningful.map((c) => `${c.field} ${show(c.field, c.current)} → ${show(c.field, c.proposed)}`).join(', ')}`);
  } else note('minChangePercent', 'passed', `every change is at least ${policy.minChangePercent}%`);
  changes = changes.filter((c) => !small.includes(c));

  // A reviewer said no to these numbers: do not ask again until they change materially.
  const rejected = input.lastRejected;
  if (rejected && changes.length > 0 && input.now - rejected.closedAt < policy.rejectedBackoff) {
    const same = changes.every((c) => {
      const before = rejected.values[c.field];
      return before !== undefined && relChange({ ...c, current: before }) * 100 < policy.minChangePercent;
    });
    if (same) note('rejectedBackoff', 'held', `PR #${rejected.number} with these values was closed unmerged ${hoursText(input.now - rejected.closedAt)} ago; Augur proposes again when a value moves ${policy.minChangePercent}% from it or after ${hoursText(policy.rejectedBackoff)}`);
    else note('rejectedBackoff', 'passed', `differs materially from PR #${rejected.number}, closed unmerged`);
  } else note('rejectedBackoff', 'passed', 'no recent PR closed unmerged');

  const schedule = recommendation.schedule ? guardSchedule(recommendation.schedule, policy, note) : undefined;
  const cost = addCost(costOf(changes, recommendation.evidence.expectedReplicas, input.podRequests, policy.prices), schedule ? scheduleCost(schedule, input.podRequests, policy.prices) : undefined);
  const perPR = policy.budget.perPR;
  if (perPR) {
    const over = overBudget(cost, perPR);
    if (over) note('budget.perPR', 'held', `adds ${over}`);
    else note('budget.perPR', 'passed', `adds ${money(cost)} per month`);
  }

  const held = notes.filter((n) => n.effect === 'held');
  const verdict = held.length > 0 ? 'hold' : changes.length === 0 && !schedule ? 'unchanged' : 'propose';
  return {
    target: recommendation.target,
    verdict,
    changes,
    ...(schedule ? { schedule } : {}),
    notes,
    cost,
    ...(held.length > 0 ? { heldBecause: `${held[0]!.rule}: ${held[0]!.message}` } : {}),
  };
}

/**
 * The schedule's guardrails, under the same rule names as the fields': allowedChanges;
 * minReplicas/maxReplicas and maxStepPercent on each local hour's count, against what that hour
 * runs at now (a window is a run of hours, so an hour that rises and one that falls can share
 * it); then the windows are cut again from the clamped hours; minChangePercent on the whole day
 * (a schedule whose every hour moves less than it is dropped). Returns the schedule to propose,
 * or undefined when nothing is left to change.
 */
function guardSchedule(proposed: ScheduleChange, policy: Policy, note: (rule: string, effect: GuardrailNote['effect'], message: string) => void): ScheduleChange | undefined {
  if (!policy.allowedChanges.includes('schedule')) {
    note('allowedChanges', 'dropped', `schedule: not allowed here (allowed: ${policy.allowedChanges.join(', ')})`);
    return undefined;
  }
  const now = hourlyFromTriggers(proposed.current, proposed.floor);
  const upper = Math.min(policy.maxReplicas, proposed.ceiling);
  const bounded: number[] = [];
  const stepped: number[] = [];
  const hours = proposed.hourlyNeed.map((need, h) => {
    let v = Math.min(upper, Math.max(policy.minReplicas, need));
    if (v !== need) bounded.push(h);
    const cur = now[h] as number;
    if (cur > 0 && v !== cur) {
      const dir = v > cur ? 'up' : 'down';
      const bound = cur * (1 + (dir === 'up' ? 1 : -1) * (policy.maxStepPercent[dir] / 100));
      if (dir === 'up' ? v > bound : v < bound) {
        v = stepLimit('replicas', cur, bound, dir);
        stepped.push(h);
      }
    }
    return v;
  });
  const list = (hs: number[]) => hs.map((h) => `${String(h).padStart(2, '0')}:00`).join(', ');
  if (bounded.length > 0) note('minReplicas/maxReplicas', 'clamped', `schedule: hours ${list(bounded)} kept within ${policy.minReplicas}..${upper} (policy ${policy.minReplicas}..${policy.maxReplicas}, the ScaledObject at most ${proposed.ceiling})`);
  if (stepped.length > 0) note('maxStepPercent', 'clamped', `schedule: hours ${list(stepped)} moved at most +${policy.maxStepPercent.up}% / −${policy.maxStepPercent.down}% from what they run at now`);
  const triggers = scheduleTriggers(hours, proposed.maxWindows, proposed.floor, proposed.timezone);
  if (JSON.stringify(triggers) === JSON.stringify(proposed.current)) return undefined;
  const after = hourlyFromTriggers(triggers, proposed.floor);
  const moved = after.map((r, h) => Math.abs(r - (now[h] as number)) / Math.max(1, now[h] as number));
  if (Math.max(...moved) * 100 < policy.minChangePercent) {
    note('minChangePercent', 'dropped', `schedule: no hour moves ${policy.minChangePercent}% or more`);
    return undefined;
  }
  return { ...proposed, proposed: triggers, hourlyNeed: hours };
}

/** What the schedule adds per month: the change of the day's average replicas, times the pod's requests. */
export function scheduleCost(s: ScheduleChange, pod: { cpu?: number; memory?: number }, prices: Policy['prices']): CostDelta {
  const before = hourlyFromTriggers(s.current, s.floor);
  const after = hourlyFromTriggers(s.proposed, s.floor);
  let delta = 0;
  for (let h = 0; h < 24; h++) delta += ((after[h] as number) - (before[h] as number)) / 24;
  return priced(delta * (pod.cpu ?? 0), (delta * (pod.memory ?? 0)) / 2 ** 30, prices);
}



const isWhole = (field: Change['field']) => changeKindOf(field) === 'replicas' || changeKindOf(field) === 'hpa';

/**
 * The furthest a value may move toward `bound`, in the unit it is written in: whole replicas
 * (always at least one, so a small workload is never stuck), millicores, MiB.
 */
function stepLimit(field: Change['field'], current: number, bound: number, dir: 'up' | 'down'): number {
  if (isWhole(field)) return dir === 'up' ? Math.max(current + 1, Math.floor(bound)) : Math.max(0, Math.min(current - 1, Math.ceil(bound)));
  const unit = field.startsWith('cpu.') ? 0.001 : 2 ** 20;
  const rounded = dir === 'up' ? Math.floor(bound / unit + 1e-9) * unit : Math.ceil(bound / unit - 1e-9) * unit;
  return field.startsWith('cpu.') ? Math.round(rounded * 1000) / 1000 : rounded;
}

/** What Augur has already proposed, read back from the forge. */
export interface ForgeLoad {
  openPRs: number;
  /** PRs opened in the last hour. */
  openedLastHour: number;
  /** Cost already added per namespace within its budget period (open and merged Augur PRs). */
  namespaceCost: Record<string, CostDelta>;
  /** Targets that already have an open PR (updating it does not open a new one). */
  withOpenPR: Set<string>;
  /** What each open PR adds now, by its key: an update replaces that cost, it does not add to it. */
  openCost: Record<string, CostDelta>;
}

/**
 * The limits that span targets. Decisions are taken in order (the config's target order), so the
 * same input always holds the same ones; updating an existing PR never counts as a new PR.
 */
export function applyLimits(
  decisions: Decision[],
  load: ForgeLoad,
  limits: { maxOpenPRs: number; maxPRsPerHour: number },
  namespaceBudget: (namespace: string) => Policy['budget']['perNamespace'],
  key: (d: Decision) => string,
): Decision[] {
  let open = load.openPRs;
  let opened = load.openedLastHour;
  const nsCost: Record<string, CostDelta> = structuredClone(load.namespaceCost);
  return decisions.map((d) => {
    if (d.verdict !== 'propose') return d;
    const notes = [...d.notes];
    const hold = (rule: string, message: string): Decision => {
      notes.push({ rule, effect: 'held', message });
      return { ...d, verdict: 'hold', notes, heldBecause: `${rule}: ${message}` };
    };
    const budget = namespaceBudget(d.target.namespace);
    if (budget) {
      const counted = nsCost[d.target.namespace] ?? { cores: 0, memoryGiB: 0, monthly: 0, currency: d.cost.currency };
      const replaced = load.openCost[key(d)];
      const spent = replaced
        ? { ...counted, cores: counted.cores - replaced.cores, memoryGiB: counted.memoryGiB - replaced.memoryGiB, monthly: counted.monthly - replaced.monthly }
        : counted;
      const total = { cores: spent.cores + d.cost.cores, memoryGiB: spent.memoryGiB + d.cost.memoryGiB, monthly: spent.monthly + d.cost.monthly, currency: d.cost.currency };
      const over = overBudget(total, budget);
      if (over) return hold('budget.perNamespace', `namespace ${d.target.namespace} would add ${over} within ${Math.round(budget.period / 86_400)} days`);
      nsCost[d.target.namespace] = total;
      notes.push({ rule: 'budget.perNamespace', effect: 'passed', message: `namespace total ${money(total)} per month within the period` });
    }
    const isNew = !load.withOpenPR.has(key(d));
    if (isNew && open >= limits.maxOpenPRs) return hold('limits.maxOpenPRs', `${open} Augur PRs are open, the limit is ${limits.maxOpenPRs}: waits for a review`);
    if (isNew && opened >= limits.maxPRsPerHour) return hold('limits.maxPRsPerHour', `${opened} PRs opened in the last hour, the limit is ${limits.maxPRsPerHour}: waits for the next cycle`);
    if (isNew) {
      open += 1;
      opened += 1;
    }
    return { ...d, notes };
  });
}

export function costOf(changes: Change[], expectedReplicas: number, pod: { cpu?: number; memory?: number }, prices: Policy['prices']): CostDelta {
  let cores = 0;
  let bytes = 0;
  const cpu = changes.find((c) => c.field === 'cpu.request');
  const mem = changes.find((c) => c.field === 'memory.request');
  const podCpu = cpu?.proposed ?? pod.cpu ?? 0;
  const podMem = mem?.proposed ?? pod.memory ?? 0;
  const replicas = changes.find((c) => c.field === 'replicas') ?? changes.find((c) => c.field === 'hpa.minReplicas');
  const replicasAfter = replicas ? (replicas.field === 'replicas' ? replicas.proposed : Math.max(replicas.proposed, expectedReplicas)) : expectedReplicas;
  const replicasBefore = replicas ? (replicas.field === 'replicas' ? replicas.current : Math.max(replicas.current, expectedReplicas)) : expectedReplicas;
  cores = replicasAfter * podCpu - replicasBefore * (cpu?.current ?? podCpu);
  bytes = replicasAfter * podMem - replicasBefore * (mem?.current ?? podMem);
  return priced(cores, bytes / 2 ** 30, prices);
}

function overBudget(cost: CostDelta, b: { cores?: number | undefined; memoryGiB?: number | undefined; monthly?: number | undefined }): string | undefined {
  const over: string[] = [];
  if (b.cores !== undefined && cost.cores > b.cores) over.push(`${fmt(cost.cores)} cores (budget ${fmt(b.cores)})`);
  if (b.memoryGiB !== undefined && cost.memoryGiB > b.memoryGiB) over.push(`${fmt(cost.memoryGiB)} GiB (budget ${fmt(b.memoryGiB)})`);
  if (b.monthly !== undefined && cost.monthly > b.monthly) over.push(`${money(cost)} per month (budget ${b.monthly.toFixed(2)} ${cost.currency})`);
  return over.length > 0 ? over.join(', ') : undefined;
}




const round3 = (n: number) => Math.round(n * 1000) / 1000;
const pct = (x: number) => `${Math.round(x * 100)}%`;
const days = (s: number) => `${(s / 86_400).toFixed(1)} days`;
const hoursText = (s: number) => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`);
