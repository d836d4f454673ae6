// Reasons in English: every guardrail note, finding and skipped schedule as a reviewer reads it
// in a PR body, the dashboard and the CLI. The one place they become words.
import { DAY_NAMES } from '../domain/schedule.js';
import { heldBy, type Decision } from '../domain/decision.js';
import { money } from '../domain/money.js';
import type { BudgetRef, Finding, FreezeWindowRef, Note, Overflow, ScheduleSkip, SenseIssue } from '../domain/reasons.js';
import { fmt, show } from '../domain/units.js';
import type { CostDelta } from '../domain/money.js';
import { isoMinutes } from '../util/zoned.js';
import type { Denial } from '../domain/cluster.js';

/** The note's message, without its rule name. */
export function describeNote(n: Note): string {
  switch (n.rule) {
    case 'manifest':
      if (!('schedule' in n)) return n.problem;
      return n.effect === 'dropped' ? `schedule not written: ${n.problem}` : `the schedule cannot be written: ${n.problem}`;
    case 'drift':
      if ('notInCluster' in n) return `${n.notInCluster.kind} ${n.notInCluster.namespace}/${n.notInCluster.name} is in Git but not in the cluster: wait for the GitOps sync`;
      return `live state differs from Git (${n.differences.map((d) => `${d.field}: Git ${show(d.field, d.git)}, cluster ${show(d.field, d.live)}`).join('; ')}); wait for the GitOps sync, or bring Git in line with a hand-made change`;
    case 'metrics':
      if (n.cause === 'read') return `load: ${n.error}`;
      if (n.cause === 'empty') return `load: the series has no usable samples (${n.steps} steps, all missing or NaN); check the query or file`;
      return `load: the newest sample is ${Math.round(n.ageSeconds / 60)} min old (window ends ${new Date(n.windowEnd * 1000).toISOString()}); check that the query still returns data`;
    case 'capacity':
      return 'per-replica capacity could not be derived (needs the cpuTotal metric and a CPU request in the manifest); set capacity.perReplica';
    default:
      return describeDraftNote(n);
  }
}

function describeDraftNote(n: Note): string {
  switch (n.rule) {
    case 'sanity':
      if ('metric' in n) return `load: ${senseText(n.issue, n.count, n.value, 'load')}; check the query (a counter without rate(), a difference of series, the wrong unit) or the exporter`;
      return n.effect === 'held' ? `not a usable number: ${n.values.map((v) => `${v.field}=${fmt(v.value)}`).join(', ')} (negative, not finite, or beyond what any workload runs): the inputs are wrong` : 'all values finite and within physical bounds';
    case 'protected':
      return n.effect === 'held' ? 'this workload is protected: Augur reports, never changes it' : 'not protected';
    case 'plausibility':
      if ('field' in n)
        return `${n.field}: the recommendation ${show(n.field, n.raw)} is ${fmt(ratio(n.raw, n.current))}× ${n.raw > n.current ? 'above' : 'below'} the current ${show(n.field, n.current)} before any clamp (more than ${n.limit}×): check the unit of the load query, capacity.perReplica and the query itself`;
      if ('capacity' in n) {
        const perPod = n.capacity.observedPeak / n.capacity.replicas;
        return `today's ${n.capacity.replicas} pods served up to ${fmt(perPod)} each at the observed peak, but capacity.perReplica says one serves ${fmt(n.capacity.perReplica)} (${fmt(ratio(perPod, n.capacity.perReplica))}× apart, more than ${n.limit}×): check the unit of the load query and capacity.perReplica`;
      }
      return `within ${n.limit}× of the current values and of what today's pods serve`;
    case 'minHistory':
      if ('forecastError' in n) return n.forecastError;
      return n.effect === 'held'
        ? `${days(n.haveSeconds)} of history, ${days(n.needSeconds)} needed: ${days(n.needSeconds - n.haveSeconds)} missing`
        : `${days(n.haveSeconds)} of history`;
    case 'minAccuracy': {
      const qName = n.quantile !== undefined ? `p${Math.round(n.quantile * 1000) / 10}` : 'the sizing quantile';
      if (n.skill === undefined && n.accuracy !== undefined && n.quantile === undefined)
        return n.effect === 'held' ? `backtest accuracy ${pct(n.accuracy)} is below ${pct(n.min)}` : `backtest accuracy ${pct(n.accuracy)} ≥ ${pct(n.min)}`;
      if (n.accuracy === undefined) {
        const have = n.historySeconds !== undefined ? `${days(n.historySeconds)} of history` : 'the history';
        const horizon = n.horizonSeconds !== undefined ? ` a held-out horizon of ${hoursText(n.horizonSeconds)} after what the least demanding model needs` : ' a held-out horizon after what a model needs';
        return `not backtested: ${have} cannot hold${horizon}, so the forecast is untested (no accuracy yet)`;
      }
      const wape = ` (1 − WAPE of the median ${pct(n.accuracy)}, shown only)`;
      if (n.skill === undefined) return `no seasonal-naive reference on this backtest to judge the ${qName} forecast against${wape}`;
      const skill = Number.isFinite(n.skill) ? pct(n.skill) : '−∞';
      const ref = n.reference ?? 'seasonal naive';
      return n.effect === 'held'
        ? `${qName} pinball skill ${skill} against ${ref} is below ${pct(n.min)}: on this workload's backtest the ${qName} forecast did no better than the same time yesterday${wape}`
        : `${qName} pinball skill ${skill} against ${ref} ≥ ${pct(n.min)}${wape}`;
    }
    case 'freezeWindows':
      return 'window' in n ? `inside freeze window ${describeFreeze(n.window)}` : n.windows ? 'outside every freeze window' : 'none set';
    case 'cooldown':
      if (n.effect === 'held') return `the last Augur change merged ${hoursText(n.mergedAgo!)} ago; cooldown ${hoursText(n.cooldown)} (${hoursText(n.cooldown - n.mergedAgo!)} left)`;
      return n.mergedAgo === undefined ? 'no recent Augur merge' : `last Augur merge ${hoursText(n.mergedAgo)} ago`;
    case 'allowedChanges':
      if ('schedule' in n) return `schedule: not allowed here (allowed: ${n.allowed.join(', ')})`;
      return 'fields' in n ? `not allowed here: ${n.fields.join(', ')} (allowed: ${n.allowed.join(', ')})` : n.allowed.join(', ');
    case 'scaleDownOnEvidenceOnly':
      return n.effect === 'clamped' ? `${n.field}: forecast says ${show(n.field, n.forecast)}, observed history supports only ${show(n.field, n.supported)}` : 'every decrease is backed by observed history';
    default:
      return describeClampNote(n);
  }
}

function describeClampNote(n: Note): string {
  switch (n.rule) {
    case 'minReplicas/maxReplicas':
      if ('hours' in n) return `schedule: hours ${hourList(n.hours, n.week)} kept within ${n.min}..${n.upper} (policy ${n.min}..${n.max}, the ScaledObject at most ${n.ceiling})`;
      return 'field' in n ? `${n.field}: ${n.from} → ${n.to} (policy allows ${n.min}..${n.max})` : `within ${n.min}..${n.max}`;
    case 'maxCpuPerPod':
    case 'maxMemoryPerPod':
      return `${n.field}: ${show(n.field, n.from)} → ${show(n.field, n.to)}`;
    case 'maxCpuPerPod/maxMemoryPerPod':
      return `at most ${show('cpu.request', n.cpu)} and ${show('memory.request', n.memory)} per pod`;
    case 'maxStepPercent.up':
    case 'maxStepPercent.down': {
      const dir = n.rule === 'maxStepPercent.up' ? 'up' : 'down';
      return `${n.field}: ${show(n.field, n.from)} → ${show(n.field, n.to)} (at most ${n.percent}% ${dir} per PR${n.oneReplica ? '; one replica is always allowed' : ''})`;
    }
    case 'maxStepPercent':
      return 'hours' in n ? `schedule: hours ${hourList(n.hours, n.week)} moved at most +${n.up}% / −${n.down}% from what they run at now` : `within +${n.up}% / −${n.down}%`;
    case 'consistency':
      return `${n.field}: ${show(n.field, n.from)} → ${show(n.field, n.to)}, the limit that stays in the manifest`;
    case 'minChangePercent':
      if ('schedule' in n) return `schedule: no hour moves ${n.percent}% or more`;
      return 'moves' in n ? `below ${n.percent}%: ${n.moves.map((m) => `${m.field} ${show(m.field, m.from)} → ${show(m.field, m.to)}`).join(', ')}` : `every change is at least ${n.percent}%`;
    case 'rejectedBackoff':
      if (n.effect === 'held')
        return `PR #${n.pr} with these values was closed unmerged ${hoursText(n.closedAgo)} ago; Augur proposes again when a value moves ${n.percent}% from it or after ${hoursText(n.backoff)}`;
      return n.pr === undefined ? 'no recent PR closed unmerged' : `differs materially from PR #${n.pr}, closed unmerged`;
    case 'budget.perPR':
      return n.effect === 'held' ? `adds ${overBudgetText(n.cost, n.budget)}` : `adds ${money(n.cost)} per month`;
    case 'memoryLeak':
      return n.effect === 'held'
        ? `looks like a leak: the working set grows about ${show('memory.request', n.growthPerDay)} a day between restarts (${n.segments} stretches); raising memory only postpones the OOM kill. Fix the leak, or set raiseMemoryOnLeak to raise anyway`
        : 'no steady growth between restarts';
    default:
      return describeClusterNote(n);
  }
}

function describeClusterNote(n: Note): string {
  switch (n.rule) {
    case 'limitRange':
      return `pods would be rejected: ${n.violations.map((v) => `${v.field} ${show(v.field, v.value)} is ${v.bound === 'max' ? 'above' : 'below'} the ${v.source} ${v.bound} ${show(v.field, v.limit)}`).join('; ')}`;
    case 'headroom':
      return 'overflows' in n ? `the requests at the new peak do not fit: ${n.overflows.map(overflowText).join('; ')}` : n.figures ? 'fits the namespace quota and the cluster at the new peak' : 'no quota or capacity figures';
    case 'admission':
      if ('notRun' in n) return `not checked: the server-side dry run could not run (${n.notRun})`;
      if (n.effect === 'held') return `the server-side dry run (${dryRunWhat(n.mode)}) of ${n.object} was ${describeDenial(n.denial)}`;
      return `server-side dry run (${dryRunWhat(n.mode)}, dryRun=All) admitted the proposed objects${n.unchecked.length > 0 ? `; not checked: ${n.unchecked.join('; ')}` : ''}`;
    case 'cluster.required':
      return `cluster.required is on and ${n.failed.length === 1 ? 'a cluster check' : 'cluster checks'} could not run (${n.failed.map((f) => `${f.check}: ${f.error}`).join('; ')}): nothing judged the change yet; Augur proposes it once they run (or set cluster.required: false to propose from Git alone)`;
    case 'budget.perNamespace':
      return n.effect === 'held' ? `namespace ${n.namespace} would add ${overBudgetText(n.total, n.budget)} within ${Math.round(n.budget.period / 86_400)} days` : `namespace total ${money(n.total)} per month within the period`;
    case 'limits.maxOpenPRs':
      return `${n.open} Augur PRs are open, the limit is ${n.limit}: waits for a review`;
    case 'limits.maxPRsPerHour':
      return `${n.opened} PRs opened in the last hour, the limit is ${n.limit}: waits for the next cycle`;
    default:
      return (n as Note).rule;
  }
}

/** "rule: message" of the note that holds the decision, or undefined. */
export function heldBecause(d: Pick<Decision, 'notes'>): string | undefined {
  const n = heldBy(d);
  return n ? `${n.rule}: ${describeNote(n)}` : undefined;
}

/**
 * The holds a person must fix, not wait out: the manifests or key paths do not match the
 * repository, the load query matches nothing, the capacity cannot be worked out, or the inputs
 * are implausible (units, capacity). `augur plan` and `run` exit 3 when a target has one.
 */
export function needsAttention(d: Decision | undefined): Note[] {
  return (d?.notes ?? []).filter(
    (n) =>
      n.effect === 'held' &&
      ((n.rule === 'manifest' && !('schedule' in n)) ||
        n.rule === 'plausibility' ||
        n.rule === 'capacity' ||
        (n.rule === 'metrics' && n.cause === 'empty') ||
        (n.rule === 'sanity' && 'metric' in n)),
  );
}

/** A note in the PR body's and dashboard's words: "**rule**: message". */
export const noteLine = (n: Note): string => `**${n.rule}**: ${describeNote(n)}`;

export function describeFinding(f: Finding): string {
  switch (f.kind) {
    case 'manifest':
      return f.text;
    case 'clusterUnread':
      return `cluster state not read, drift and headroom not checked: ${f.error}`;
    case 'autoscalerFight': {
      const by = f.by === 'keda' ? 'a KEDA ScaledObject' : 'a HorizontalPodAutoscaler';
      return (
        `${by} scales this workload in the cluster, but Git sets spec.replicas (${f.replicas}): the autoscaler and the GitOps controller fight over it. ` +
        'Remove spec.replicas from Git (the Flux convention), or have Argo CD ignore it (ignoreDifferences on /spec/replicas). Augur leaves replicas alone.'
      );
    }
    case 'counter':
      return `load looks like a counter (it only rises, ${f.resets} reset${f.resets === 1 ? '' : 's'}): Augur forecasts its per-second rate; write rate(...) in the query to say so`;
    case 'history': {
      const runs = f.incidents.length;
      const parts = [
        f.filled > 0 ? `${f.filled} missing samples filled` : '',
        f.excluded > 0
          ? `${runs} incident${runs === 1 ? '' : 's'} excluded from training (load far below the same time on the other days: ${f.incidents
              .slice(0, 3)
              .map(([a, b]) => `${isoMinutes(a)}..${isoMinutes(b)}`)
              .join(', ')}${runs > 3 ? ', …' : ''})`
          : '',
        f.outliers > 0 ? `${f.outliers} extreme samples kept (a spike may be real load)` : '',
      ].filter(Boolean);
      return `load history: ${parts.join('; ')}`;
    }
    case 'metricUnavailable':
      return `${f.metric} metric unavailable, ${skipped(f.metric)}: ${f.error}`;
    case 'metricSenseless':
      return `${f.metric} metric left out, ${skipped(f.metric)}: ${senseText(f.issue, f.count, f.value, f.metric)}; check its query (the container and pod matchers, the unit)`;
    case 'absent':
      return `${f.file}: ${f.yamlPath} is not set, so ${f.source === 'cluster' ? `${show(f.field, f.value)}, as the cluster runs it now, is` : `${show(f.field, f.value)}, what Kubernetes does without it, is`} taken as today's value; Augur adds the key`;
  }
}

export function describeSkip(s: ScheduleSkip): string {
  switch (s.kind) {
    case 'noScaledObject':
      return 'sizing.schedule is on, but no KEDA ScaledObject scales this workload in the manifests: add one (Augur writes its cron triggers, named augur-*, next to the others), or turn sizing.schedule off';
    case 'noCycle':
      return `no clear daily or weekly cycle in the history (autocorrelation at 1 day ${acf(s.day)}, at 7 days ${acf(s.week)}; a schedule needs at least 0.3 and a spectral peak), so no windows`;
    case 'notWritten':
      return `the schedule could not be written: ${s.problem}`;
  }
}

export function describeFreeze(w: FreezeWindowRef): string {
  const what = 'from' in w ? `${w.from} to ${w.to}` : `cron "${w.cron}" for ${Math.round(w.duration / 3600)} h`;
  return `${what}${w.timezone ? ` (${w.timezone})` : ''}${w.reason ? `: ${w.reason}` : ''}`;
}

export function overBudgetText(cost: CostDelta, b: BudgetRef): string {
  const over: string[] = [];
  if (b.cores !== undefined && cost.cores > b.cores) over.push(`${fmt(cost.cores)} cores (budget ${fmt(b.cores)})`);
  if (b.memoryGiB !== undefined && cost.memoryGiB > b.memoryGiB) over.push(`${fmt(cost.memoryGiB)} GiB (budget ${fmt(b.memoryGiB)})`);
  if (b.monthly !== undefined && cost.monthly > b.monthly) over.push(`${money(cost)} per month (budget ${b.monthly.toFixed(2)} ${cost.currency})`);
  return over.join(', ');
}

function overflowText(o: Overflow): string {
  return o.resource === 'cpu' ? `${o.source}: CPU ${fmt(o.after)} > ${fmt(o.limit)} cores` : `${o.source}: memory ${show('memory.request', o.after)} > ${show('memory.request', o.limit)}`;
}

/** The dry run's mode in words. */
export const dryRunWhat = (mode: 'update' | 'copy'): string => (mode === 'update' ? 'an apply of the proposed fields to the live objects' : 'a create of a renamed copy');

function senseText(issue: SenseIssue, count: number, value: number, metric: string): string {
  const samples = `${count} sample${count === 1 ? '' : 's'}`;
  switch (issue) {
    case 'negative':
      return `${samples} below zero (lowest ${fmt(value)}): ${metric === 'load' ? 'a load' : 'usage'} cannot be negative`;
    case 'nonFinite':
      return `${samples} infinite (${value > 0 ? '+' : '−'}Inf): not a measurement`;
    case 'absurd':
      return `${samples} beyond anything physical (up to ${fmt(value)})`;
    case 'zero':
      return `every one of ${samples} is 0: a running container uses some CPU and memory, so the query selects the wrong series`;
  }
}

/** "07:00, 08:00"; for hours of the week, each day's hours as spans, days with the same spans together: "Mon–Fri 09:00–21:00". */
function hourList(hs: number[], week?: true): string {
  const clock = (h: number) => `${String(h).padStart(2, '0')}:00`;
  if (!week) return hs.map(clock).join(', ');
  const set = new Set(hs);
  const spans = DAY_NAMES.map((_, d) => {
    const out: string[] = [];
    for (let h = 0; h < 24; h++) {
      if (!set.has(d * 24 + h) || (h > 0 && set.has(d * 24 + h - 1))) continue;
      let e = h;
      while (e < 24 && set.has(d * 24 + e)) e++;
      out.push(`${clock(h)}–${e === 24 ? '24:00' : clock(e)}`);
    }
    return out.join(', ');
  });
  const groups: string[] = [];
  for (let d = 0; d < 7; ) {
    let e = d;
    while (e + 1 < 7 && spans[e + 1] === spans[d]) e++;
    if (spans[d]) groups.push(`${DAY_NAMES[d]}${e > d ? `–${DAY_NAMES[e]}` : ''} ${spans[d]}`);
    d = e + 1;
  }
  return groups.join('; ');
}
const acf = (x: number | undefined) => (x === undefined ? 'n/a (under two cycles of history)' : x.toFixed(2));
// A backtest on a load of about 0 makes percentages like −2e118 %: past ±1,000,000 % said in words.
const pct = (x: number) => (Math.abs(x) < 1e4 ? `${Math.round(x * 100)}%` : `${x < 0 ? 'below −' : 'over '}1,000,000%`);
const ratio = (a: number, b: number) => Math.max(a, b) / Math.min(a, b);
const days = (s: number) => `${(s / 86_400).toFixed(1)} days`;
const hoursText = (s: number) => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} d` : `${(s / 3600).toFixed(1)} h`);

/**
 * A denial in words that say who decided and whom to ask: the policy's or webhook's owner, the
 * namespace's owner for a quota, the cluster admin for a permission Augur lacks.
 */
export function describeDenial(d: Denial): string {
  switch (d.by) {
    case 'policy':
      return `denied by the ValidatingAdmissionPolicy "${d.name}"${d.binding && d.binding !== d.name ? ` (binding "${d.binding}")` : ''}: ${d.message} (an admission policy of the cluster: ask its owner, kubectl get validatingadmissionpolicy ${d.name})`;
    case 'webhook':
      return `denied by the admission webhook "${d.name}": ${d.message} (a policy engine such as Kyverno or Gatekeeper: ask the owner of that policy)`;
    case 'quota':
      return `refused by the ResourceQuota "${d.name}": ${d.message} (ask the namespace's owner to raise the quota)`;
    case 'invalid':
      return `the API server finds the proposed object invalid: ${d.message}`;
    case 'rbac':
      return `Augur's ServiceAccount${d.user ? ` (${d.user})` : ''} may not ${d.verb} ${d.resource}${d.namespace ? ` in ${d.namespace}` : ''}: a permission Augur lacks, not a verdict on the change; ask the cluster admin to apply the RBAC in deploy/ (src/cluster/permissions.ts), or narrow the targets`;
    case 'other':
      return `refused (HTTP ${d.status}): ${d.message}`;
  }
}

/** What a metric that could not be used costs the decision: its changes, or (replicas) the schedule's cost basis. */
function skipped(metric: string): string {
  return metric === 'replicas' ? 'the schedule is costed against the floor' : 'its changes are skipped';
}
