// The guardrails file. This zod schema is the single source: the TypeScript types below, the
// JSON Schema in config/augur.schema.json (editor completion) and the config reference in the
// README are generated from it (`npm run gen`).
import { z } from 'zod';
import { duration, httpUrl, percent, secretRef } from './fields.js';
import { FORGES, forgeSchemas, forgeWebhookSchemas } from '../forge/registry.js';
import { FORMATS, manifestSchemas } from '../manifests/formats/index.js';
import { MEMORY_SIZE, parseQuantity } from '../domain/quantity.js';
import { gitUrlProblem } from './urls.js';

const cpuQuantity = z
  .union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?m?$/, { error: 'a CPU quantity: cores as a number (2, 0.5) or millicores ("500m")' })], {
    error: 'a CPU quantity: cores as a number (2, 0.5) or millicores ("500m")',
  })
  .transform((v) => (typeof v === 'number' ? v : v.endsWith('m') ? Number(v.slice(0, -1)) / 1000 : Number(v)));

const memoryQuantity = z
  .union([z.number().positive(), z.string().regex(MEMORY_SIZE, { error: 'a memory quantity: bytes as a number or with a unit ("512Mi", "2Gi")' })], {
    error: 'a memory quantity: bytes as a number or with a unit ("512Mi", "2Gi")',
  })
  .transform((v) => (typeof v === 'number' ? v : parseQuantity('memory.request', v)));

const freezeWindow = z.union([
  z
    .object({
      cron: z.string().describe('cron expression (5 fields) at which the freeze starts, e.g. "0 18 * * 5"'),
      duration: duration('64h').describe('how long each freeze lasts'),
      timezone: z.string().optional().describe('IANA time zone of the cron expression; default: schedule.timezone'),
      reason: z.string().optional(),
    })
    .strict(),
  z
    .object({
      from: z.string().describe('start, ISO date or date-time, e.g. "2026-12-20" (inclusive)'),
      to: z.string().describe('end, ISO date or date-time, e.g. "2027-01-04" (exclusive)'),
      timezone: z.string().optional().describe('IANA time zone for dates without an offset; default: schedule.timezone'),
      reason: z.string().optional(),
    })
    .strict(),
], { error: 'a freeze window: { cron, duration } or { from, to }, each with an optional timezone' });

const changeKind = z.enum(['replicas', 'hpa', 'requests', 'limits', 'schedule']);

const budget = z
  .object({
    cores: z.number().min(0).optional().describe('most CPU cores requested that may be added'),
    memoryGiB: z.number().min(0).optional().describe('most GiB of memory requested that may be added'),
    monthly: z.number().min(0).optional().describe('most money per month (730 h, at `prices`) that may be added'),
  })
  .strict();

/** Guardrails. Defaults at the top level, overridable per namespace and per target. */
const policyFields = {
  minReplicas: z.number().int().min(0).describe('never propose fewer replicas (or a lower HPA minReplicas) than this'),
  maxReplicas: z.number().int().min(1).describe('never propose more replicas (or a higher HPA maxReplicas) than this'),
  maxStepPercent: z
    .object({
      up: percent.describe('largest increase of any value in one PR, in percent of the current value (replica counts may always move by one)'),
      down: percent.max(100).describe('largest decrease of any value in one PR, in percent of the current value (replica counts may always move by one)'),
    })
    .strict()
    .describe('how far one PR may move a value'),
  minChangePercent: percent.describe('changes smaller than this (in percent) are not proposed: no PR for noise'),
  cooldown: duration('24h', { allowZero: true }).describe('after an Augur PR for a workload merges, wait this long before proposing again'),
  rejectedBackoff: duration('7d', { allowZero: true }).describe('after a reviewer closes an Augur PR unmerged, do not propose the same values again for this long (a change of at least minChangePercent from them is proposed at once)'),
  freezeWindows: z.array(freezeWindow).describe('no PRs are opened or updated inside these windows'),
  maxCpuPerPod: cpuQuantity.describe('largest CPU request per container, e.g. 4 or "3500m"'),
  maxMemoryPerPod: memoryQuantity.describe('largest memory request per container, e.g. "8Gi"'),
  minCpuPerPod: cpuQuantity.describe('smallest CPU request Augur proposes per container (a floor, as krr and VPA keep), e.g. "10m"'),
  minMemoryPerPod: memoryQuantity.describe('smallest memory request Augur proposes per container (a floor), e.g. "100Mi"'),
  allowedChanges: z.array(changeKind).describe('which kinds of change may be proposed: replicas, hpa, requests, limits, schedule'),
  protected: z.boolean().describe('a protected workload is never changed; its decisions are reported only'),
  budget: z
    .object({
      perPR: budget.optional().describe('most that one PR may add'),
      perNamespace: budget
        .extend({ period: duration('30d').prefault('30d').describe('period over which open and merged Augur PRs add up') })
        .optional()
        .describe('most that all Augur PRs of a namespace may add within the period'),
    })
    .strict(),
  prices: z
    .object({
      coreHour: z.number().min(0).describe('price of one requested core for one hour'),
      gibHour: z.number().min(0).describe('price of one requested GiB of memory for one hour'),
      currency: z.string().describe('currency code shown in PRs, e.g. USD'),
    })
    .strict(),
  scaleDownOnEvidenceOnly: z
    .boolean()
    .describe('a decrease is proposed only as far as observed history supports it, never on the forecast alone'),
  minAccuracy: z
    .number()
    .min(-1)
    .max(1)
    .describe('act only when the sizing quantile\'s forecast beats seasonal naive on the workload\'s backtest by at least this pinball skill, 1 - pinball(model) / pinball(seasonal naive) at sizing.quantile (0: as close as the same time yesterday; negative tolerates worse). Formerly 1 - WAPE of the median (default 0.5), which froze bursty workloads'),
  minHistory: duration('3d', { allowZero: true }).describe('hold a workload with less history than this'),
  maxRawChangeFactor: z
    .number()
    .gt(1)
    .describe('hold, as implausible, a recommendation (before any clamp) more than this many times above or below the current value, or a capacity per replica that today\'s pods exceed or fall short of by this factor: check the units, the capacity and the query'),
  raiseMemoryOnLeak: z.boolean().describe('propose a memory raise even when the working set grows steadily between restarts (a leak: the raise only postpones the OOM)'),
  critical: z.boolean().describe('flag every change to this workload in its PR, for extra care (set per namespace for a critical namespace)'),
};

const policyDefaults = {
  minReplicas: 1,
  maxReplicas: 50,
  maxStepPercent: { up: 100, down: 30 },
  minChangePercent: 10,
  cooldown: '24h',
  rejectedBackoff: '7d',
  freezeWindows: [],
  maxCpuPerPod: 8,
  maxMemoryPerPod: '32Gi',
  minCpuPerPod: '10m',
  minMemoryPerPod: '100Mi',
  allowedChanges: ['replicas', 'hpa', 'requests', 'limits', 'schedule'],
  protected: false,
  budget: {},
  prices: { coreHour: 0.031, gibHour: 0.0042, currency: 'USD' },
  scaleDownOnEvidenceOnly: true,
  minAccuracy: 0,
  minHistory: '3d',
  maxRawChangeFactor: 4,
  raiseMemoryOnLeak: false,
  critical: false,
} as const;

/** How recommendations are computed; overridable like the policy. */
const sizingFields = {
  horizon: duration('24h').describe('how far ahead to forecast'),
  neural: z
    .boolean()
    .describe('let the shipped neural model compete in the per-workload selection (measured on ../shared/traces it does not improve the median yet: BENCHMARKS.md section 5)'),
  reselectEvery: duration('24h', { allowZero: true }).describe("keep a workload's chosen model this long and only refit it each cycle (selection backtests the models); 0s selects every cycle"),
  fullSelectionEvery: duration('7d', { allowZero: true }).describe("backtest every candidate model at a workload's selection at least this often; the selections in between backtest only the 5 that ranked best at the last full one (0s: every model at every selection)"),
  quantile: z.number().gt(0).lt(1).describe('forecast quantile that replicas are sized for (0.9 = the p90 forecast)'),
  maxQuantile: z.number().gt(0).lt(1).describe('forecast quantile that an HPA maxReplicas must cover'),
  headroomPercent: percent.describe('extra capacity on top of the sized forecast, when the workload has no backtest to size from (see targetUnderProvisioned)'),
  targetUnderProvisioned: z
    .number()
    .gt(0)
    .lt(1)
    .describe("share of intervals a workload may be expected to run short of capacity: replicas and schedule hours get the smallest capacity whose expected under-provisioned share, from the residuals of the workload's own backtest by lead time (split-conformal), stays within it (0.005 = 0.5%); bursts above the maxQuantile forecast on at least half the backtest's days add the margin they needed"),
  cpuPercentile: z.number().gt(0).max(100).describe('percentile of per-pod CPU usage a CPU request covers'),
  cpuMarginPercent: percent.describe('margin added to the CPU percentile'),
  memoryMarginPercent: percent.describe('margin added to the peak memory working set'),
  oomBumpPercent: percent.describe('after OOM kills, raise the memory request at least this much over the current one'),
  schedule: z
    .object({
      enabled: z.boolean().default(false).describe('propose KEDA cron windows ahead of the forecast peaks (needs a KEDA ScaledObject for the workload in the manifests)'),
      maxWindows: z.number().int().min(1).max(12).default(4).describe('at most this many windows a day (a reviewer reads them); with weekday and weekend sets, per day type'),
      timezone: z.string().optional().describe('IANA time zone the windows are written in; default: schedule.timezone'),
    })
    .strict()
    .describe('scaling schedules: windows of the day (or of weekdays and weekends, when the week shows its shape) with their own replica counts, as KEDA cron triggers'),
};

const sizingDefaults = {
  horizon: '24h',
  neural: false,
  reselectEvery: '24h',
  fullSelectionEvery: '7d',
  quantile: 0.9,
  maxQuantile: 0.99,
  headroomPercent: 10,
  targetUnderProvisioned: 0.005,
  cpuPercentile: 95,
  cpuMarginPercent: 15,
  memoryMarginPercent: 15,
  oomBumpPercent: 25,
  schedule: { enabled: false, maxWindows: 4 },
} as const;

const policyOverride = z.object(policyFields).partial().strict();
const sizingOverride = z.object(sizingFields).partial().strict();

const metricSources = {
  query: z.object({ query: z.string().min(1).describe('PromQL that returns one series') }),
  file: z.object({ file: z.string().min(1).describe('CSV file of timestamp,value rows, relative to metrics.file.dir') }),
  preset: z.object({ preset: z.enum(['cadvisor', 'kube-state-metrics']).describe('build the usual query for this workload from a standard exporter') }),
};
const metricError = { error: 'a metric: { query: PromQL }, { file: path.csv } or { preset: cadvisor | kube-state-metrics }' };
const metricRef = z.union([metricSources.query.strict(), metricSources.file.strict(), metricSources.preset.strict()], metricError);
/** The load takes its unit too, for the PR's chart and sizing arithmetic. */
const unit = { unit: z.string().min(1).max(24).optional().describe('unit of the load, shown in PRs, e.g. "req/s" (the cadvisor preset: "cores")') };
const loadRef = z.union([metricSources.query.extend(unit).strict(), metricSources.file.extend(unit).strict(), metricSources.preset.extend(unit).strict()], metricError);

const target = z
  .object({
    kind: z.enum(['Deployment', 'StatefulSet']).default('Deployment'),
    namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'a Kubernetes namespace name (lowercase letters, digits, -)' }),
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: 'a Kubernetes object name (lowercase letters, digits, - and .)' }),
    environment: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'an environment name (lowercase letters, digits, -), e.g. staging or prod-eu' })
      .optional()
      .describe('which deployment of the workload this is (staging, prod-eu...): list a workload once per environment, each with its own manifest path; branches, titles and the dashboard carry it'),
    group: z.string().optional().describe('targets with the same group share one PR when forge.grouping is "group"'),
    manifest: z.discriminatedUnion('format', manifestSchemas, { error: `manifest.format must be ${FORMATS.map((f) => JSON.stringify(f.format)).join(', ')}` }),
    metrics: z
      .object({
        load: loadRef.describe('the load that replicas are sized for (requests per second, queue depth, CPU cores...)'),
        cpu: metricRef.optional().describe('CPU cores used by the busiest pod; preset cadvisor'),
        cpuTotal: metricRef.optional().describe('CPU cores used by all pods, to derive capacity; preset cadvisor'),
        memory: metricRef.optional().describe('memory working set in bytes of the largest pod; preset cadvisor'),
        oomKills: metricRef.optional().describe('containers whose last termination was an OOM kill; preset kube-state-metrics'),
        throttling: metricRef.optional().describe('share of CPU periods throttled (0..1), checked after a merge; preset cadvisor'),
        replicas: metricRef
          .optional()
          .describe('replicas the workload runs, read only to cost a KEDA schedule (sizing.schedule) above what its other triggers already run at each hour; preset kube-state-metrics'),
      })
      .strict(),
    capacity: z
      .union([
        z.object({ perReplica: z.number().positive().describe('load one replica serves at the desired utilization') }).strict(),
        z
          .object({
            targetUtilization: z
              .number()
              .gt(0)
              .max(1)
              .describe('derive per-replica capacity from history: load per core used, times the CPU request, times this'),
          })
          .strict(),
      ], { error: 'capacity: { perReplica: N } or { targetUtilization: 0.7 }' })
      .describe('how much load one replica serves'),
    policy: policyOverride.optional(),
    sizing: sizingOverride.optional(),
  })
  .strict();

export const configSchema = z
  .object({
    prometheus: z
      .object({
        url: httpUrl('http://prometheus.monitoring:9090', 'prometheus.auth (bearer or basic, read from a secret)')
          .refine((v) => !/\/api\/v1\/?$/.test(v), { error: "the server's base URL, without /api/v1, e.g. http://prometheus.monitoring:9090" })
          .describe('Prometheus (or Thanos, Mimir, VictoriaMetrics) base URL, without credentials (prometheus.auth) and without /api/v1'),
        auth: z
          .union([
            z.object({ bearer: secretRef }).strict(),
            z.object({ basic: z.object({ username: z.string(), password: secretRef }).strict() }).strict(),
          ], { error: '{ bearer: { env: NAME } } or { basic: { username: augur, password: { env: NAME } } } ({ file: /path } for a mounted secret); secrets are never written in this file' })
          .optional()
          .describe('{ bearer: secret } or { basic: { username, password: secret } }'),
        timeout: duration('30s').prefault('30s').describe('per-request timeout'),
        step: duration('5m').prefault('5m').describe('resolution of the history read'),
        history: duration('14d').prefault('14d').describe('how much history to read'),
        maxConcurrentQueries: z.number().int().min(1).max(64).default(4),
        compression: z
          .enum(['none', 'gzip'])
          .default('none')
          .describe(
            "answers uncompressed (none) or gzipped: gzip costs Prometheus about 6x the CPU of a cycle's reads and Augur the inflating, for about a quarter of the bytes; set gzip for a Prometheus across a metered or slow link (a hosted service, another region)",
          ),
      })
      .strict()
      .optional(),
    metrics: z
      .object({
        file: z
          .object({
            dir: z.string().describe('directory of CSV traces that `file:` metrics are read from, relative to this file'),
            shiftToNow: z.boolean().default(false).describe('replay old traces as if recent: shifted by whole weeks to cover now (traces need history + 1 week of data)'),
            step: duration('5m').prefault('5m'),
            history: duration('14d').prefault('14d'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    git: z
      .object({
        url: z
          .string()
          .min(1)
          .superRefine((v, ctx) => {
            const problem = gitUrlProblem(v);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          })
          .describe('clone URL of the manifest repository (https://, ssh://, git@host:path), or a local path; never with credentials in it (git.token)'),
        baseBranch: z.string().default('main'),
        author: z
          .object({ name: z.string().default('augur[bot]'), email: z.string().default('augur@users.noreply.github.com') })
          .strict()
          .default({ name: 'augur[bot]', email: 'augur@users.noreply.github.com' }),
        token: secretRef.optional().describe('token for HTTPS pushes; default: the forge token'),
        workdir: z.string().optional().describe('where to keep the checkout; default: a directory under the OS temp dir'),
        timeout: duration('2m').prefault('2m').describe('a git command (clone, fetch, push) that prints nothing for this long is killed'),
        branchPrefix: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, { error: 'letters, digits, ".", "_", "-" and "/" between them, e.g. augur or augur-eu' })
          .default('augur')
          .describe('branches are <branchPrefix>/<key>; Augur reads, updates and closes only PRs on its own prefix, so several instances (one per cluster) can share a repository'),
      })
      .strict(),
    forge: z.discriminatedUnion('type', forgeSchemas, { error: `forge.type must be ${FORGES.map((f) => JSON.stringify(f.type)).join(' or ')}` }),
    cluster: z
      .object({
        enabled: z.boolean().default(true).describe('use the cluster when a service account or kubeconfig is there; without it Augur works from Git alone'),
        required: z
          .boolean()
          .default(false)
          .describe(
            "hold every proposal whose cluster checks (live state, quota, LimitRanges, the dry run) could not run, with the reason; false proposes from Git alone then, saying what was not checked (the demo, offline use). The in-cluster installs in deploy/ set true",
          ),
        kubeconfig: z.string().optional().describe('kubeconfig file; default: the in-cluster service account, else $KUBECONFIG or ~/.kube/config'),
        context: z.string().optional().describe('kubeconfig context; default: the current one'),
        timeout: duration('10s').prefault('10s').describe('per-request timeout to the API server'),
        dryRun: z
          .union([z.enum(['update', 'copy']), z.boolean()], { error: 'cluster.dryRun must be update, copy or false (true means update)' })
          .default('update')
          .transform((v): 'update' | 'copy' | 'off' => (v === true ? 'update' : v === false ? 'off' : v))
          .describe(
            'server-side dry run (dryRun=All) of each proposal, so admission judges it before review: `update` applies exactly the proposed fields to the live workload, HPA and ScaledObject (needs the patch verb and the ValidatingAdmissionPolicy in deploy/, Kubernetes 1.30+); `copy` creates a renamed copy of the workload and HPA (older clusters: UPDATE-only policies and the ScaledObject are not checked); false: none (true means update)',
          ),
        events: z.boolean().default(true).describe('record each proposal as a Kubernetes Event on the workload'),
        leaderElection: z
          .object({
            enabled: z.boolean().default(true).describe('run cycles only while holding the Lease, so two replicas never run one at once'),
            leaseName: z.string().default('augur').describe('name of the coordination.k8s.io Lease (a shard appends -<index>)'),
            namespace: z.string().optional().describe("namespace of the Lease; default: the pod's own ($POD_NAMESPACE), else augur"),
            leaseDuration: duration('30s').prefault('30s').describe('how long a Lease lasts without renewal before another replica takes over'),
          })
          .strict()
          .prefault({})
          .describe('for `serve` with cluster access'),
        shards: z.number().int().min(1).default(1).describe('split the targets over this many replicas by a stable hash; each takes its index from $AUGUR_SHARD or the StatefulSet ordinal of its pod name'),
      })
      .strict()
      .refine((c) => c.enabled || !c.required, {
        error: 'cluster.required: true needs the cluster: with cluster.enabled: false every proposal would be held; set cluster.enabled: true, or cluster.required: false to work from Git alone',
        path: ['required'],
      })
      .prefault({})
      .describe('live cluster state: drift, quota and capacity headroom, dry runs, Events'),
    webhooks: z
      .object({
        alertmanager: z
          .object({ token: secretRef.describe('bearer token Alertmanager sends (http_config.authorization.credentials)') })
          .strict()
          .optional()
          .describe('POST /webhooks/alertmanager: a firing alert that names a target re-evaluates it now'),
        ...forgeWebhookSchemas,
        perTargetInterval: duration('5m', { allowZero: true }).prefault('5m').describe('least time between two re-evaluations of one target'),
        maxBodyBytes: z.number().int().min(1024).max(25 * 1024 * 1024).default(1024 * 1024).describe('largest webhook body read (413 above); the body is read before its signature can be checked, so keep it small'),
        bodyTimeout: duration('10s').prefault('10s').describe('a webhook body not received within this time is refused (408)'),
        replayWindow: duration('1h').prefault('1h').describe('a delivery id, or a body, already accepted within this window is refused as a replay'),
      })
      .strict()
      .optional()
      .describe('endpoints of `serve` that trigger re-evaluation instead of waiting for the schedule'),
    schedule: z
      .object({
        cron: z.string().default('0 */6 * * *').describe('when `serve` runs a cycle (5 or 6 field cron)'),
        timezone: z.string().default('UTC').describe('IANA time zone of the cron expression and freeze windows'),
        cycleTimeout: duration('30m').prefault('30m').describe('a cycle still running after this long is abandoned (every call in flight is cancelled), logged and counted in augur_cycles_total{result="abandoned"}'),
        unhealthyAfter: z
          .number()
          .int()
          .min(1)
          .default(3)
          .describe('`serve`: /healthz fails (and Kubernetes restarts the pod) when no cycle has finished since this many scheduled runs plus cycleTimeout'),
      })
      .strict()
      .prefault({}),
    state: z
      .object({
        dir: z
          .string()
          .min(1)
          .describe(
            'directory Augur keeps its state in (selections/: the model chosen per workload and its fitted parameters, one file each; history/: see state.history), relative to this file; on a volume (an emptyDir survives container restarts, a PersistentVolumeClaim survives pods and CronJob runs) so a cycle refits instead of selecting again. Without it, plan and run --once select every workload every time, and serve only keeps them in memory',
          ),
        history: z
          .boolean()
          .default(true)
          .describe(
            'keep the Prometheus series each cycle read in state.dir/history, so the next cycle asks only for what is new (the last 30 minutes again, each series whole once a day); about 8 bytes per point: 32 KB per workload and metric at 14 days of 5-minute steps, 640 MB at 5,000 workloads of four metrics. false reads the whole history every cycle',
          ),
      })
      .strict()
      .optional()
      .describe('what Augur keeps between cycles and restarts; nothing else is written there'),
    retries: z
      .object({
        budget: z.number().int().min(0).default(20).describe('retries per cycle across Prometheus, the forge and git, all together; once used up, a failing call fails at once and says so'),
        maxWait: duration('60s').prefault('60s').describe('longest Retry-After or rate-limit reset Augur waits for; a longer one fails the call this cycle and says so'),
      })
      .strict()
      .prefault({})
      .describe('how hard Augur retries calls that fail for a moment (network errors, timeouts, 5xx, 429, rate limits)'),
    limits: z
      .object({
        maxOpenPRs: z.number().int().min(1).default(10).describe('never more open Augur PRs than this'),
        maxPRsPerHour: z.number().int().min(1).default(5).describe('never open more Augur PRs than this per hour'),
      })
      .strict()
      .default({ maxOpenPRs: 10, maxPRsPerHour: 5 }),
    policy: policyOverride
      .default({})
      .describe('guardrails applied to every target; override per namespace or target'),
    sizing: sizingOverride.default({}).describe('how recommendations are computed; override per namespace or target'),
    namespaces: z
      .record(z.string(), z.object({ policy: policyOverride.optional(), sizing: sizingOverride.optional() }).strict())
      .default({})
      .describe('policy and sizing overrides per namespace'),
    environments: z
      .record(
        z.string(),
        z
          .object({
            selector: z
              .string()
              .regex(/^[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*"(\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*")*$/, { error: 'PromQL label matchers, e.g. cluster="prod-eu"' })
              .optional()
              .describe('label matchers added to the preset queries of this environment\'s targets, e.g. cluster="prod-eu"'),
            policy: policyOverride.optional(),
            sizing: sizingOverride.optional(),
          })
          .strict(),
      )
      .default({})
      .describe('per environment (a target\'s environment): preset label matchers, and policy and sizing overrides between the top level and the namespace'),
    targets: z.array(target).min(1, { error: 'at least one target' }),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
export type TargetConfig = Config['targets'][number];
export type MetricRefConfig = TargetConfig['metrics']['load'];

/** Policy with every field resolved (defaults < namespace < target). */
export type Policy = z.output<z.ZodObject<typeof policyFields>>;
export type Sizing = z.output<z.ZodObject<typeof sizingFields>>;

/** The defaults, parsed once through the same schema so they have the same form as overrides. */
export const POLICY_DEFAULTS: Policy = z.object(policyFields).strict().parse(policyDefaults);
export const SIZING_DEFAULTS: Sizing = z.object(sizingFields).strict().parse(sizingDefaults);
/** Defaults as written in the file, for the generated reference. */
export const DEFAULTS_AS_WRITTEN = { policy: policyDefaults, sizing: sizingDefaults } as const;

/**
 * The effective policy and sizing of a target: defaults, then the top level, then its environment,
 * then its namespace, then the target. Each level replaces whole fields (an object such as maxStepPercent is replaced,
 * not merged), so what a target says is what it gets.
 */
export function effectiveSettings(config: Config, t: TargetConfig): { policy: Policy; sizing: Sizing } {
  const env = t.environment !== undefined ? config.environments[t.environment] : undefined;
  const ns = config.namespaces[t.namespace];
  return {
    policy: { ...POLICY_DEFAULTS, ...config.policy, ...env?.policy, ...ns?.policy, ...t.policy },
    sizing: { ...SIZING_DEFAULTS, ...config.sizing, ...env?.sizing, ...ns?.sizing, ...t.sizing },
  };
}
