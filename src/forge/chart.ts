// The charts of a PR body, as Mermaid `xychart-beta` blocks (GitHub renders Mermaid in markdown):
// the load over the last 14 days and its forecast against the capacity now and proposed, and,
// when the decision changes memory, the working set against the request and limit. Pure
// rendering.
//
// What xychart cannot do, and what stands in for it:
// - Series are told apart by colour only (every line is 2 px, solid): the colours are fixed with
//   the `plotColorPalette` theme variable in an init directive, and a markdown legend under the
//   chart names each colour with a matching emoji square, since the Mermaid GitHub runs may be
//   older than the one that draws a legend inside the chart (`xyChart.showLegend`, set too).
// - No area between two lines: the forecast band is two lines that zigzag between the p50 and
//   the sizing quantile from hour to hour in opposite phase (crossing about every 2 px over 15
//   days), which reads as a filled band; over the past (a line spans the whole x-axis) they run
//   under the load line. The second one has no title, so Mermaid's legend names the band once.
// - No bars on a numeric x-axis (each would be as wide as a tick interval), and no gaps in a
//   line: lines only, and an hour without samples is drawn at its neighbour (the notes count
//   them).
// - A numeric x-axis spreads each line's points over it, and Mermaid 10 (still run by some
//   forges) spaces them (max - min + 1) / points apart, dropping what does not fit: so the axis
//   is in whole hours and every line has exactly one point per hour, which every version draws
//   the same. A flat line costs as much as any other (about 1.8 kB over 15 days).
import { fmt, fmtBytes } from '../domain/units.js';
import { triggerHours, WEEK_HOURS } from '../domain/schedule.js';
import type { Change, ScheduleChange } from '../domain/decision.js';
import type { Forecast } from '../domain/forecast.js';
import type { PodRequests, ProposalItem } from '../domain/proposal.js';
import type { Series } from '../domain/series.js';
import type { FieldKey, WorkloadId } from '../domain/workload.js';
import { isoMinutes, wallClock } from '../util/zoned.js';

/** How far back the charts look. */
const HISTORY_HOURS = 14 * 24;
/** The chart's size in SVG pixels (GitHub scales it to the column, about 880 px wide). */
const WIDTH = 900;
const HEIGHT = 420;

/** What the charts read of a PR item (a ProposalItem is one): no more, so they are easy to test. */
export interface ChartItem {
  target: Pick<WorkloadId, 'name'>;
  history: Series;
  forecast: Pick<Forecast, 'stepSeconds' | 'timestamps' | 'quantiles'>;
  decision: {
    changes: readonly Pick<Change, 'field' | 'current' | 'proposed'>[];
    schedule?: Pick<ScheduleChange, 'timezone' | 'floor' | 'ceiling' | 'current' | 'proposed' | 'hourlyNeed'>;
  };
  recommendation: { evidence: { quantile?: number; capacityPerReplica?: number } };
  autoscaler: ProposalItem['autoscaler'];
  /** The schedule is written only with its ScaledObject and block edit (as forge/schedule.ts's scheduleOf says). */
  scaledObject?: object;
  blocks: readonly object[];
  unit?: string;
  memory?: Series;
  podRequests: PodRequests;
  /** The values in Git now, to draw a bound or limit the decision leaves as it is. */
  current?: Partial<Record<FieldKey, number>>;
}

/** A series colour, with the emoji square and the word the markdown legend names it by. */
export interface Colour {
  hex: string;
  swatch: string;
  name: string;
}
export const COLOURS = {
  load: { hex: '#1f77b4', swatch: '🟦', name: 'blue' },
  band: { hex: '#9ecae1', swatch: '', name: 'pale blue' },
  now: { hex: '#ff7f0e', swatch: '🟧', name: 'orange' },
  proposed: { hex: '#2ca02c', swatch: '🟩', name: 'green' },
  ceilingNow: { hex: '#9467bd', swatch: '🟪', name: 'purple' },
  ceilingProposed: { hex: '#d62728', swatch: '🟥', name: 'red' },
  unchanged: { hex: '#7f7f7f', swatch: '⬜', name: 'grey' },
} satisfies Record<string, Colour>;

/** One line of a chart: its short title (in the chart's own legend), its colour and what the markdown legend says. */
interface Plot {
  title: string;
  colour: Colour;
  legend: string;
  values: number[];
}

interface XYChart {
  title: string;
  /** Hours up to now (the last at 0 on the x-axis), then hours ahead: every plot has a value for each. */
  hoursBack: number;
  hoursAhead: number;
  yTitle: string;
  /** What the chart is about (the load, the working set): drawn last, on top, and named first. */
  main: Plot;
  /** Drawn first, in this order, under the main line. */
  behind: Plot[];
}

/** Every chart of a PR item: the load, and the memory when the decision changes it. */
export function renderCharts(item: ChartItem): string[] {
  const memory = renderMemoryChart(item);
  return memory === undefined ? [renderLoadChart(item)] : [renderLoadChart(item), memory];
}

/** The Mermaid block, its markdown legend and the notes under it. */
function renderXYChart(c: XYChart, notes: string[]): string {
  const plots = [...c.behind, c.main];
  const n = c.hoursBack + c.hoursAhead;
  const uneven = plots.find((p) => p.values.length !== n);
  if (uneven) throw new Error(`chart line "${uneven.title}" has ${uneven.values.length} points for ${n} hours`);
  const yMax = niceCeil(Math.max(0, ...plots.flatMap((p) => p.values)) * 1.08);
  // Two decimals, or more on an axis under 0.1 (a load of 0.004 is not drawn, nor its axis ends, at 0);
  // at most six, as from 1e-7 on a number's text is in exponent form.
  const decimals = yMax > 0 ? Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(yMax)))) : 2;
  const init = {
    xyChart: { width: WIDTH, height: HEIGHT, showLegend: true },
    themeVariables: { xyChart: { plotColorPalette: plots.map((p) => p.colour.hex).join(', ') } },
  };
  const legend = [c.main, ...c.behind].filter((p) => p.legend).map((p) => `${p.colour.swatch ? `${p.colour.swatch} ` : ''}${p.colour.name}: ${p.legend}`).join(' · ');
  return [
    '```mermaid',
    'xychart-beta',
    // Mermaid reads an init directive wherever it stands; after the diagram type, the block still opens as before.
    `%%{init: ${JSON.stringify(init)}}%%`,
    `  title "${text(c.title)}"`,
    // Point i at hour i + 1 - hoursBack: the last observed hour ends at 0.
    `  x-axis "hours from now (a point per hour${c.hoursBack > 168 ? '; -168 is a week ago' : ''})" ${1 - c.hoursBack} --> ${c.hoursAhead}`,
    `  y-axis "${text(c.yTitle)}" 0 --> ${num(yMax || 1, decimals)}`,
    ...plots.map((p) => `  line${p.title ? ` "${text(p.title)}"` : ''} [${p.values.map((v) => num(v, decimals)).join(',')}]`),
    '```',
    '',
    legend + '.',
    '',
    `<sub>${notes.join(' ')}</sub>`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The load chart.

/** The load chart: 14 days of hourly peaks, the forecast band, the capacity now and proposed. */
export function renderLoadChart(item: ChartItem): string {
  const { history, forecast } = item;
  const q = item.recommendation.evidence.quantile ?? 0.9;
  const qName = `p${Math.round(q * 100)}`;
  const past = hourlyPeaks(history, HISTORY_HOURS);
  const p50 = futurePeaks(forecast.quantiles['0.5'] ?? forecast.quantiles[String(q)] ?? [], forecast.stepSeconds);
  const top = futurePeaks(forecast.quantiles[String(q)] ?? [], forecast.stepSeconds);
  const ahead = Math.min(p50.length, top.length);
  // Nothing at all to draw still makes a valid chart: one hour at 0.
  const hoursBack = past.values.length > 0 || ahead > 0 ? past.values.length : 1;
  const load = [...(hoursBack > past.values.length ? [0] : past.values), ...p50.slice(0, ahead)];
  const plots: Plot[] = [];
  if (ahead > 0) {
    const [even, odd] = band(load.slice(0, hoursBack), p50.slice(0, ahead), top.slice(0, ahead));
    const legend = `the forecast band, from p50 to ${qName} (the quantile Augur sizes for)`;
    // The second half of the band has no title, so Mermaid's legend names the band once.
    plots.push({ title: `forecast p50–${qName}`, colour: COLOURS.band, legend, values: even }, { title: '', colour: COLOURS.band, legend: '', values: odd });
  }
  const capacity = capacityPlots(item, load.length, (i) => hourEnd(item, past, i));
  plots.push(...capacity.plots);
  const main: Plot = {
    title: ahead > 0 ? 'load, then p50' : 'load',
    colour: COLOURS.load,
    legend: ahead > 0 ? 'the load observed, then the forecast median (p50)' : 'the load observed',
    values: load,
  };
  const u = (v: number) => withUnit(v, item.unit);
  const chart: XYChart = {
    title: `${item.target.name}: load${item.unit ? ` in ${item.unit}` : ''}, last ${span(past.values.length)}${ahead > 0 ? ` and next ${ahead} h` : ''}`,
    hoursBack,
    hoursAhead: ahead,
    yTitle: item.unit ?? 'load',
    main,
    behind: plots,
  };
  const notes = [
    `Each point is the highest ${stepName(history.stepSeconds)} sample of its hour${ahead > 0 ? `, then the hour's peak of the forecast` : ''}.`,
    ...peakNote(past, u),
    ...(ahead > 0 ? [`The next ${ahead} h peak at ${u(Math.max(...p50.slice(0, ahead)))} (p50) and ${u(Math.max(...top.slice(0, ahead)))} (${qName}).`] : []),
    ...capacity.notes,
  ];
  return renderXYChart(chart, notes);
}

/**
 * The forecast band, since xychart cannot fill between two lines: two lines that zigzag between
 * the upper quantile's hourly peak and the p50 one in opposite phase, crossing every hour (about
 * 2 px apart over 15 days), which reads as a filled band. Over the past both are the load line,
 * which is drawn on top of them.
 */
export function band(past: number[], p50: number[], top: number[]): [number[], number[]] {
  const zigzag = (phase: number) => [...past, ...p50.map((v, j) => (j % 2 === phase ? (top[j] ?? v) : v))];
  return [zigzag(0), zigzag(1)];
}

/** The end (Unix seconds) of hourly point i of the load chart, past and future alike. */
function hourEnd(item: ChartItem, past: HourlyPeaks, i: number): number | undefined {
  const last = past.ends[past.ends.length - 1] ?? item.forecast.timestamps[0];
  if (last === undefined) return undefined;
  return i < past.ends.length ? past.ends[i] : last + (i - past.ends.length + 1) * 3600;
}

function peakNote(past: HourlyPeaks, show: (v: number) => string): string[] {
  if (past.values.length === 0) return [];
  const peak = Math.max(...past.values);
  const at = past.ends[past.values.indexOf(peak)];
  const last = past.ends[past.ends.length - 1];
  const ago = at !== undefined && last !== undefined ? ` (${((last - at) / 86_400).toFixed(1)} days ago)` : '';
  return [
    `The highest hour: ${show(peak)}, the hour ending ${at === undefined ? '?' : isoMinutes(at)}${ago}.`,
    ...(past.filled > 0 ? [`${past.filled} hour${past.filled === 1 ? '' : 's'} without samples drawn at the hour before.`] : []),
  ];
}

// ---------------------------------------------------------------------------------------------
// The capacity lines: replicas × what one replica serves.

interface CapacityPlots {
  plots: Plot[];
  notes: string[];
}

/** The capacity now and proposed: flat for replicas and HPA bounds, stepped by local hour for a KEDA schedule. */
function capacityPlots(item: ChartItem, n: number, endOf: (i: number) => number | undefined): CapacityPlots {
  const cap = item.recommendation.evidence.capacityPerReplica ?? 0;
  if (!(cap > 0)) return { plots: [], notes: ['No capacity lines: the load one replica serves is not known.'] };
  const flat = replicaLines(item, cap, n);
  const floorChanges = item.decision.changes.some((c) => c.field === 'replicas' || c.field === 'hpa.minReplicas');
  const sched = !floorChanges ? schedulePlots(item, cap, n, endOf) : undefined;
  return { plots: [...flat.plots, ...(sched?.plots ?? [])], notes: [...flat.notes, ...(sched?.notes ?? [])] };
}

/** Flat lines: spec.replicas, or the HPA's floor and ceiling, now and proposed (a bound that stays, in grey). */
function replicaLines(item: ChartItem, cap: number, n: number): CapacityPlots {
  const change = (field: FieldKey) => item.decision.changes.find((c) => c.field === field);
  const line = (title: string, colour: Colour, replicas: number, what: string): Plot => ({
    title: `${title}: ${replicas}`,
    colour,
    legend: `${what}, ${replicas} × ${withUnit(cap, item.unit)} per replica = ${withUnit(replicas * cap, item.unit)}`,
    values: new Array<number>(n).fill(replicas * cap),
  });
  const plots: Plot[] = [];
  const replicas = change('replicas');
  if (replicas) plots.push(line('now', COLOURS.now, replicas.current, 'capacity now'), line('proposed', COLOURS.proposed, replicas.proposed, 'capacity proposed'));
  const min = change('hpa.minReplicas');
  const max = change('hpa.maxReplicas');
  if (!min && !max) return { plots, notes: [] };
  const kept = (field: FieldKey) => item.current?.[field];
  const keptMin = kept('hpa.minReplicas');
  const keptMax = kept('hpa.maxReplicas');
  if (min) plots.push(line('HPA min now', COLOURS.now, min.current, 'the HPA floor now (minReplicas)'), line('HPA min proposed', COLOURS.proposed, min.proposed, 'the HPA floor proposed'));
  else if (keptMin !== undefined) plots.push(line('HPA min', COLOURS.unchanged, keptMin, 'the HPA floor (minReplicas, unchanged)'));
  if (max) plots.push(line('HPA max now', COLOURS.ceilingNow, max.current, 'the HPA ceiling now (maxReplicas)'), line('HPA max proposed', COLOURS.ceilingProposed, max.proposed, 'the HPA ceiling proposed'));
  else if (keptMax !== undefined) plots.push(line('HPA max', COLOURS.unchanged, keptMax, 'the HPA ceiling (maxReplicas, unchanged)'));
  const missing = !min && keptMin === undefined ? 'minReplicas' : !max && keptMax === undefined ? 'maxReplicas' : undefined;
  return { plots, notes: [`The HPA keeps the capacity between its floor and its ceiling${missing ? ` (its ${missing} does not change and is not drawn)` : ''}.`] };
}

/** A KEDA schedule: the capacity each local hour gets, now and proposed. */
function schedulePlots(item: ChartItem, cap: number, n: number, endOf: (i: number) => number | undefined): CapacityPlots | undefined {
  const s = item.decision.schedule;
  if (!s || !item.scaledObject || item.blocks.length === 0) return undefined;
  const stepped = (hours: number[]) =>
    Array.from({ length: n }, (_, i) => {
      const end = endOf(i);
      // The hour a point stands for starts an hour before its end.
      if (end === undefined) return s.floor * cap;
      const c = wallClock(end - 3600, s.timezone);
      return (hours[hours.length === WEEK_HOURS ? c.weekday * 24 + c.hour : c.hour] ?? s.floor) * cap;
    });
  return {
    plots: [
      { title: 'schedule now', colour: COLOURS.now, legend: `the capacity the schedule gives each local hour now (replicas × ${withUnit(cap, item.unit)} per replica)`, values: stepped(triggerHours(s, s.current)) },
      { title: 'schedule proposed', colour: COLOURS.proposed, legend: 'the schedule\'s capacity with this PR', values: stepped(triggerHours(s, s.proposed)) },
    ],
    notes: [`The schedule's hours are in ${s.timezone}; the ScaledObject's other triggers add to them when the load rises, up to its ceiling of ${s.ceiling} replicas (not drawn).`],
  };
}

// ---------------------------------------------------------------------------------------------
// The memory chart.

const MEMORY_FIELDS: FieldKey[] = ['memory.request', 'memory.limit'];

/** The working set against the request and limit, now and proposed; undefined when the decision leaves memory alone or there is no memory history. */
export function renderMemoryChart(item: ChartItem): string | undefined {
  const changes = item.decision.changes.filter((c) => MEMORY_FIELDS.includes(c.field));
  if (changes.length === 0 || !item.memory || !item.memory.values.some(Number.isFinite)) return undefined;
  const past = hourlyPeaks(item.memory, HISTORY_HOURS);
  if (past.values.length === 0) return undefined;
  const request = changes.find((c) => c.field === 'memory.request');
  const limit = changes.find((c) => c.field === 'memory.limit');
  const keptRequest = item.current?.['memory.request'] ?? item.podRequests.memory;
  const keptLimit = item.current?.['memory.limit'];
  const levels = [...past.values, ...changes.flatMap((c) => [c.current, c.proposed]), keptRequest ?? 0, keptLimit ?? 0];
  // MiB up to 2 GiB: "1536" reads better than "1.5", and a smaller axis in GiB would be all decimals.
  const { unit, size } = Math.max(...levels) >= 2 * 2 ** 30 ? { unit: 'GiB', size: 2 ** 30 } : { unit: 'MiB', size: 2 ** 20 };
  const flat = (title: string, colour: Colour, legend: string, bytes: number): Plot => ({
    title: `${title}: ${fmtBytes(bytes)}`,
    colour,
    legend: `${legend}, ${fmtBytes(bytes)}`,
    values: new Array<number>(past.values.length).fill(bytes / size),
  });
  const plots: Plot[] = [];
  if (request) plots.push(flat('request now', COLOURS.now, 'the memory request now', request.current), flat('request proposed', COLOURS.proposed, 'the request proposed', request.proposed));
  else if (keptRequest !== undefined) plots.push(flat('request', COLOURS.unchanged, 'the memory request (unchanged)', keptRequest));
  if (limit) plots.push(flat('limit now', COLOURS.ceilingNow, 'the memory limit now', limit.current), flat('limit proposed', COLOURS.ceilingProposed, 'the limit proposed', limit.proposed));
  else if (keptLimit !== undefined) plots.push(flat('limit', COLOURS.unchanged, 'the memory limit (unchanged)', keptLimit));
  const main: Plot = { title: 'working set', colour: COLOURS.load, legend: 'the working set, hourly peak', values: past.values.map((v) => v / size) };
  const chart: XYChart = {
    title: `${item.target.name}: memory in ${unit}, last ${span(past.values.length)}`,
    hoursBack: past.values.length,
    hoursAhead: 0,
    yTitle: unit,
    main,
    behind: plots,
  };
  const notes = [
    `Each point is the highest working set sample of its hour, per pod as the memory query reads it. A pod that goes over its limit is OOM-killed; the request is what the scheduler reserves.`,
    ...peakNote(past, fmtBytes),
  ];
  return renderXYChart(chart, notes);
}

// ---------------------------------------------------------------------------------------------
// Hourly peaks.

interface HourlyPeaks {
  values: number[];
  /** The end of each hour, Unix seconds. */
  ends: number[];
  /** Hours without a finite sample, drawn at the hour before (the first with samples, when the series opens with a gap). */
  filled: number;
}

/** The peak of each whole hour of the last `maxHours` of a series, oldest first, counted back from its newest sample. */
export function hourlyPeaks(s: Series, maxHours: number): HourlyPeaks {
  const perHour = Math.max(1, Math.round(3600 / s.stepSeconds));
  const hours = Math.min(maxHours, Math.floor(s.values.length / perHour));
  const start = s.values.length - hours * perHour;
  const raw: (number | undefined)[] = [];
  const ends: number[] = [];
  for (let h = 0; h < hours; h++) {
    const slice = s.values.slice(start + h * perHour, start + (h + 1) * perHour).filter(Number.isFinite);
    raw.push(slice.length > 0 ? Math.max(...slice) : undefined);
    ends.push((s.timestamps[start + (h + 1) * perHour - 1] ?? 0) + s.stepSeconds);
  }
  const first = raw.find((v) => v !== undefined) ?? 0;
  let prev = first;
  const values = raw.map((v) => (prev = v ?? prev));
  return { values, ends, filled: raw.filter((v) => v === undefined).length };
}

/** The peak of each hour of a forecast quantile, from its first step. */
function futurePeaks(values: number[], stepSeconds: number): number[] {
  const perHour = Math.max(1, Math.round(3600 / stepSeconds));
  const out: number[] = [];
  for (let h = 0; h * perHour < values.length; h++) {
    const slice = values.slice(h * perHour, (h + 1) * perHour).filter(Number.isFinite);
    out.push(slice.length > 0 ? Math.max(...slice) : (out[out.length - 1] ?? 0));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text.

/** A number for the chart source: integers from 100 up, else at most `decimals` decimals. */
function num(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10 ** decimals) / 10 ** decimals;
  return String(Object.is(r, -0) ? 0 : r);
}

/** The next round number at or above v, to two significant figures: 8911 → 9000, 0.734 → 0.74. */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 0;
  const unit = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Math.round(Math.ceil(v / unit - 1e-9) * unit * 1e6) / 1e6;
}

/** Text inside a quoted xychart string: no double quotes, line breaks or comment markers. */
function text(s: string): string {
  return s.replace(/"/g, "'").replace(/[\r\n]+/g, ' ').replace(/%+/g, '%');
}

/** "3000 req/s", or "3000" when the load has no unit. */
function withUnit(v: number, unit: string | undefined): string {
  return unit ? `${fmt(v)} ${unit}` : fmt(v);
}

/** "14 days", "1 day", "10 h". */
function span(hours: number): string {
  if (hours < 24) return `${hours} h`;
  const d = Math.round((hours / 24) * 10) / 10;
  return `${d} day${d === 1 ? '' : 's'}`;
}

function stepName(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}-minute` : `${seconds}-second`;
}
