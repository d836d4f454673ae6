import { describe, expect, it } from 'vitest';
import { band, COLOURS, hourlyPeaks, niceCeil, renderCharts, renderLoadChart, renderMemoryChart, type ChartItem } from './chart.js';
import { DAY, MiB, STEP, T0, chartScenarios, forecastAfter, hpaItem, load, memoryItem, replicasItem, scheduleItem, series } from '../../test/render/chart-fixtures.js';
import { declaredSeries, mermaidBlocks, parseMermaid } from '../../test/render/mermaid.js';

interface Line {
  title: string;
  values: number[];
  colour: string;
}

/** What a chart declares: its lines with their palette colours, the axes and the legend line under it. */
function read(chart: string) {
  const source = mermaidBlocks(chart)[0] ?? '';
  const init = JSON.parse(/%%\{init: (.*)\}%%/.exec(source)?.[1] ?? '{}') as { themeVariables?: { xyChart?: { plotColorPalette?: string } } };
  const palette = (init.themeVariables?.xyChart?.plotColorPalette ?? '').split(',').map((c) => c.trim());
  const lines: Line[] = [...source.matchAll(/^ {2}line (?:"([^"]*)" )?(\[.*\])$/gm)].map((m, i) => ({ title: m[1] ?? '', values: JSON.parse(m[2] as string) as number[], colour: palette[i] ?? '' }));
  const x = /x-axis "([^"]*)" (\S+) --> (\S+)/.exec(source);
  const y = /y-axis "([^"]*)" 0 --> (\S+)/.exec(source);
  const after = chart.slice(chart.lastIndexOf('```') + 3).trim().split('\n');
  return {
    source,
    lines,
    palette,
    line: (title: RegExp) => lines.find((l) => title.test(l.title)),
    title: /^ {2}title "([^"]*)"$/m.exec(source)?.[1],
    x: { title: x?.[1], min: Number(x?.[2]), max: Number(x?.[3]) },
    y: { title: y?.[1], max: Number(y?.[2]) },
    legend: after[0] ?? '',
    notes: after.slice(1).join('\n'),
  };
}

/** The peak of each hour of `values`, counting whole hours back from the end. */
function peaks(values: number[], hours: number): number[] {
  const start = values.length - hours * 12;
  return Array.from({ length: hours }, (_, h) => Math.max(...values.slice(start + h * 12, start + (h + 1) * 12)));
}

describe('the load chart', () => {
  const item = replicasItem({ history: series(15) });
  const c = read(renderLoadChart(item));

  it('shows the last 14 days of hourly peaks, then the next 24 h, on an axis in whole hours', () => {
    expect(c.x).toEqual({ title: 'hours from now (a point per hour; -168 is a week ago)', min: -335, max: 24 });
    const main = c.line(/^load, then p50$/)!;
    expect(main.values).toHaveLength(14 * 24 + 24);
    expect(main.values.slice(0, 336)).toEqual(peaks(item.history.values, 336));
    expect(main.values.slice(336)).toEqual(peaks(item.forecast.quantiles['0.5']!, 24));
    expect(c.title).toBe('web: load in req/s, last 14 days and next 24 h');
  });

  it('puts the unit on the y-axis, "load" when there is none', () => {
    expect(c.y.title).toBe('req/s');
    expect(read(renderLoadChart(replicasItem({ unit: undefined }))).y.title).toBe('load');
    expect(read(renderLoadChart(replicasItem({ unit: undefined }))).title).toBe('web: load, last 14 days and next 24 h');
  });

  it('draws the forecast band from p50 to the sizing quantile, and no bars', () => {
    expect(c.source).not.toMatch(/^\s*bar\b/m);
    const b = c.line(/^forecast p50–p90$/)!;
    const p50 = peaks(item.forecast.quantiles['0.5']!, 24);
    const p90 = peaks(item.forecast.quantiles['0.9']!, 24);
    const other = c.lines[c.lines.indexOf(b) + 1]!;
    expect(other).toMatchObject({ title: '', colour: COLOURS.band.hex });
    const main = c.line(/^load/)!;
    // Over the past both halves are the load line (drawn over them); then p90 and p50 by turns,
    // in opposite phase, so that between them every hour spans the band.
    expect(b.values.slice(0, 336)).toEqual(main.values.slice(0, 336));
    expect(other.values.slice(0, 336)).toEqual(main.values.slice(0, 336));
    expect(b.values.slice(336)).toEqual(p50.map((v, j) => (j % 2 === 0 ? p90[j] : v)));
    expect(other.values.slice(336)).toEqual(p50.map((v, j) => (j % 2 === 1 ? p90[j] : v)));
    expect(c.notes).toContain(`The next 24 h peak at ${Math.max(...p50)} req/s (p50) and ${Math.max(...p90)} req/s (p90).`);
  });

  it('draws the capacity now and proposed as flat lines, with a legend naming every colour', () => {
    expect(c.line(/^now: 4$/)).toMatchObject({ values: new Array(360).fill(400), colour: COLOURS.now.hex });
    expect(c.line(/^proposed: 6$/)).toMatchObject({ values: new Array(360).fill(600), colour: COLOURS.proposed.hex });
    expect(c.line(/^load/)?.colour).toBe(COLOURS.load.hex);
    expect(c.line(/^forecast/)?.colour).toBe(COLOURS.band.hex);
    expect(c.legend).toBe(
      '🟦 blue: the load observed, then the forecast median (p50) · pale blue: the forecast band, from p50 to p90 (the quantile Augur sizes for) · ' +
        '🟧 orange: capacity now, 4 × 100 req/s per replica = 400 req/s · 🟩 green: capacity proposed, 6 × 100 req/s per replica = 600 req/s.',
    );
  });

  it('names the highest hour of the history', () => {
    const main = c.line(/^load/)!.values.slice(0, 336);
    expect(c.notes).toContain(`The highest hour: ${Math.max(...main)} req/s, the hour ending`);
  });

  it('shows as much history as there is when it is shorter than 14 days', () => {
    const short = read(renderLoadChart(replicasItem({ history: series(0.5), forecast: forecastAfter(0.5) })));
    expect(short.title).toBe('web: load in req/s, last 12 h and next 24 h');
    expect(short.x).toMatchObject({ min: -11, max: 24 });
    expect(short.line(/^load/)?.values).toHaveLength(36);
  });

  it('draws the HPA floor and ceiling, now and proposed', () => {
    const h = read(renderLoadChart(hpaItem()));
    expect(h.lines.map((l) => [l.title, l.values[0], l.colour])).toEqual([
      ['forecast p50–p90', expect.any(Number), COLOURS.band.hex],
      ['', expect.any(Number), COLOURS.band.hex],
      ['HPA min now: 2', 200, COLOURS.now.hex],
      ['HPA min proposed: 3', 300, COLOURS.proposed.hex],
      ['HPA max now: 6', 600, COLOURS.ceilingNow.hex],
      ['HPA max proposed: 9', 900, COLOURS.ceilingProposed.hex],
      ['load, then p50', expect.any(Number), COLOURS.load.hex],
    ]);
    expect(h.legend).toContain('🟪 purple: the HPA ceiling now (maxReplicas), 6 × 100 req/s per replica = 600 req/s · 🟥 red: the HPA ceiling proposed');
  });

  it('draws a bound that does not change in grey when Git has it, and says so when it does not', () => {
    const floorOnly = { changes: [{ field: 'hpa.minReplicas' as const, current: 2, proposed: 3 }] };
    const kept = read(renderLoadChart(hpaItem({ decision: floorOnly, current: { 'hpa.maxReplicas': 6 } })));
    expect(kept.line(/^HPA max: 6$/)).toMatchObject({ values: new Array(360).fill(600), colour: COLOURS.unchanged.hex });
    expect(kept.legend).toContain('⬜ grey: the HPA ceiling (maxReplicas, unchanged)');
    const unknown = read(renderLoadChart(hpaItem({ decision: floorOnly })));
    expect(unknown.line(/^HPA max/)).toBeUndefined();
    expect(unknown.notes).toContain('(its maxReplicas does not change and is not drawn)');
  });

  it('draws no capacity lines when neither the replicas nor a bound changes, nor without the capacity of a replica', () => {
    const cpuOnly = read(renderLoadChart(replicasItem({ decision: { changes: [{ field: 'cpu.request', current: 0.5, proposed: 0.4 }] } })));
    expect(cpuOnly.lines.map((l) => l.title)).toEqual(['forecast p50–p90', '', 'load, then p50']);
    const noCap = read(renderLoadChart(replicasItem({ recommendation: { evidence: { quantile: 0.9 } } })));
    expect(noCap.lines).toHaveLength(3);
    expect(noCap.notes).toContain('No capacity lines: the load one replica serves is not known.');
  });

  it('draws the capacity a KEDA schedule gives each local hour, now and proposed', () => {
    const s = read(renderLoadChart(scheduleItem()));
    expect(s.line(/^schedule now$/)).toMatchObject({ values: new Array(360).fill(200), colour: COLOURS.now.hex });
    const proposed = s.line(/^schedule proposed$/)!;
    expect(proposed.colour).toBe(COLOURS.proposed.hex);
    expect(proposed.values).toHaveLength(360);
    // Point i stands for the hour ending at T0 + i + 1 hours (UTC); Berlin is UTC+2 in June.
    const expected = (i: number) => {
      const local = (i + 2) % 24;
      return (local >= 7 && local < 10 ? 6 : local >= 22 || local < 2 ? 4 : 2) * 100;
    };
    expect(proposed.values).toEqual(Array.from({ length: 360 }, (_, i) => expected(i)));
    expect(s.notes).toContain("The schedule's hours are in Europe/Berlin");
  });

  it('keeps the y-axis above every value drawn, at a round number', () => {
    for (const [name, it] of Object.entries(chartScenarios())) {
      for (const chart of renderCharts(it)) {
        const r = read(chart);
        expect(r.y.max, name).toBeGreaterThanOrEqual(Math.max(...r.lines.flatMap((l) => l.values)));
        const digits = String(r.y.max).replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
        expect(digits.length, `${name}: ${r.y.max}`).toBeLessThanOrEqual(2);
      }
    }
  });

  it('draws the hours without samples at the hour before, and says how many', () => {
    const gaps = read(renderLoadChart(chartScenarios()['no forecast, history with gaps']!));
    const main = gaps.line(/^load$/)!;
    expect(main.values).toHaveLength(72);
    expect(main.values.every((v) => v > 0)).toBe(true);
    expect(gaps.notes).toMatch(/\b30 hours without samples drawn at the hour before/);
    expect(gaps.lines.map((l) => l.title)).toEqual(['now: 4', 'proposed: 6', 'load']);
  });
});

describe('the memory chart', () => {
  it('draws the working set against the request and limit, now and proposed, in MiB', () => {
    const item = memoryItem();
    const m = read(renderMemoryChart(item)!);
    expect(m.title).toBe('web: memory in MiB, last 14 days');
    expect(m.y.title).toBe('MiB');
    expect(m.x).toMatchObject({ min: -335, max: 0 });
    const ws = m.line(/^working set$/)!;
    expect(ws.values).toEqual(peaks(item.memory!.values, 336).map((v) => Math.round(v / MiB)));
    const flat = (v: number) => new Array(336).fill(v);
    expect(m.lines.map((l) => [l.title, l.values, l.colour])).toEqual([
      ['request now: 512 MiB', flat(512), COLOURS.now.hex],
      ['request proposed: 704 MiB', flat(704), COLOURS.proposed.hex],
      ['limit now: 1.00 GiB', flat(1024), COLOURS.ceilingNow.hex],
      ['limit proposed: 1.38 GiB', flat(1408), COLOURS.ceilingProposed.hex],
      ['working set', ws.values, COLOURS.load.hex],
    ]);
    expect(m.legend).toContain('🟦 blue: the working set, hourly peak · 🟧 orange: the memory request now, 512 MiB');
  });

  it('switches to GiB above a GiB, and draws a limit that stays in grey', () => {
    const m = read(renderMemoryChart(chartScenarios()['memory in GiB, request only']!)!);
    expect(m.y.title).toBe('GiB');
    expect(m.line(/^request proposed/)?.values).toEqual(new Array(336).fill(3));
    expect(m.line(/^limit: 4.00 GiB$/)).toMatchObject({ values: new Array(336).fill(4), colour: COLOURS.unchanged.hex });
  });

  it('is there only when the decision changes memory and the working set was read', () => {
    expect(renderCharts(memoryItem())).toHaveLength(2);
    expect(renderCharts(replicasItem({ memory: series(14) }))).toHaveLength(1);
    expect(renderMemoryChart(memoryItem({ memory: undefined }))).toBeUndefined();
    expect(renderMemoryChart(memoryItem({ memory: series(1, () => Number.NaN) }))).toBeUndefined();
  });
});

describe('chart helpers', () => {
  it('hourlyPeaks: whole hours counted back from the newest sample, at most maxHours', () => {
    const s = series(1);
    s.values = s.values.slice(0, 12 * 5 + 7);
    s.timestamps = s.timestamps.slice(0, 12 * 5 + 7);
    const p = hourlyPeaks(s, 3);
    expect(p.values).toEqual(peaks(s.values, 3));
    expect(p.ends).toEqual([3, 4, 5].map((h) => T0 + (7 + h * 12) * STEP));
    expect(p.filled).toBe(0);
  });

  it('band: the past as it is, then the upper quantile and p50 by turns, in opposite phase', () => {
    expect(band([1, 2], [5, 6, 7], [9, 10, 11])).toEqual([
      [1, 2, 9, 6, 11],
      [1, 2, 5, 10, 7],
    ]);
  });

  it('gives every line a point for every hour, the one layout every Mermaid version spaces alike', () => {
    for (const [name, item] of Object.entries(chartScenarios())) {
      for (const chart of renderCharts(item)) {
        const r = read(chart);
        for (const l of r.lines) expect(l.values.length, `${name}: ${l.title}`).toBe(r.x.max - r.x.min + 1);
      }
    }
  });

  it('niceCeil: two significant figures', () => {
    expect([8911, 0.734, 100, 1234.5, 0].map(niceCeil)).toEqual([9000, 0.74, 100, 1300, 0]);
  });

  it('keeps each chart small enough for a PR body (GitHub takes 65,536 characters)', () => {
    for (const [name, item] of Object.entries(chartScenarios())) for (const chart of renderCharts(item)) expect(chart.length, name).toBeLessThan(12_000);
  });
});

describe('every chart is valid Mermaid', () => {
  const charts = Object.entries(chartScenarios()).flatMap(([name, item]: [string, ChartItem]) => renderCharts(item).map((chart, i) => ({ name: `${name} #${i + 1}`, chart })));

  it.each(charts)('$name parses with mermaid, with its colours and size in the directive', async ({ chart }) => {
    const [source] = mermaidBlocks(chart);
    const result = await parseMermaid(source!);
    expect(result.diagramType).toBe('xychart');
    // A directive Mermaid cannot read is dropped without an error: check it was read.
    const palette = read(chart).palette;
    expect(palette).toHaveLength(declaredSeries(source!));
    expect(result.config).toEqual({ xyChart: { width: 900, height: 420, showLegend: true }, themeVariables: { xyChart: { plotColorPalette: palette.join(', ') } } });
    // Every series the legend names has a colour of its own (the band's untitled half shares the band's).
    const titled = read(chart).lines.filter((l) => l.title);
    expect(new Set(titled.map((l) => l.colour)).size).toBe(titled.length);
  });

  it('and the parser does reject a broken one', async () => {
    const [source] = mermaidBlocks(renderLoadChart(replicasItem()));
    await expect(parseMermaid(source!.replace(/\[(\d+),/, '[$1,,'))).rejects.toThrow(/Parse error/);
  });

  it('even with odd text in the titles', async () => {
    const odd = renderLoadChart(replicasItem({ target: { name: 'we"b %% x' }, unit: 'req "per" s\n' }));
    await expect(parseMermaid(mermaidBlocks(odd)[0]!)).resolves.toMatchObject({ diagramType: 'xychart' });
  });
});

// Keep the fixture's load shape honest: the tests above rely on it having a clear daily peak.
it('the fixture load has a daily cycle', () => {
  expect(Math.max(...series(1).values) - Math.min(...series(1).values)).toBeGreaterThan(300);
  expect(load((3 * DAY) / STEP)).toBeLessThan(load((3 * DAY + 12 * 3600) / STEP));
});
