// The PR charts as a reviewer sees them: each chart of the demo's PRs (and of the chart fixtures,
// for the shapes the demo has none of, like memory) is parsed by Mermaid and rendered by Mermaid
// in headless Chromium to SVG and PNG. The PNGs are written to test/render/out/ (git-ignored) to
// be looked at; the test checks that every declared series was drawn, in its declared colour,
// with the legend and the axis titles.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCharts } from '../../src/forge/chart.js';
import { chartScenarios } from './chart-fixtures.js';
import { ChartRenderer } from './chromium.js';
import { declaredSeries, mermaidBlocks, parseMermaid } from './mermaid.js';

const OUT = new URL('./out/', import.meta.url).pathname;
const exec = promisify(execFile);

interface Chart {
  name: string;
  source: string;
}

/** One `augur demo` run's PRs ("pr1"...) and their charts, named after them: "pr1-load", "pr1-memory"... */
async function demoCharts(): Promise<{ prs: string[]; charts: Chart[] }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'augur-render-')), 'demo');
  try {
    await exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--dir', dir]);
    const pulls = join(dir, 'forge', 'pulls');
    const files = readdirSync(pulls).sort();
    const charts = files.flatMap((f) => mermaidBlocks(readFileSync(join(pulls, f), 'utf8')).map((source, i) => ({ name: `pr${f.replace(/\.md$/, '')}-${i === 0 ? 'load' : 'memory'}`, source })));
    return { prs: files.map((f) => `pr${f.replace(/\.md$/, '')}`), charts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fixtureCharts(): Chart[] {
  return Object.entries(chartScenarios()).flatMap(([name, item]) =>
    renderCharts(item).flatMap((chart, i) => mermaidBlocks(chart).map((source) => ({ name: `fixture-${name.replace(/[^a-z0-9]+/gi, '-')}-${i === 0 ? 'load' : 'memory'}`, source }))),
  );
}

/** The stroke colour of each plotted line, in drawing order. */
function strokes(svg: string): string[] {
  return [...svg.matchAll(/<g class="line-plot-\d+"><path d="[^"]*" fill="none" stroke="([^"]+)"/g)].map((m) => (m[1] as string).toLowerCase());
}

describe('the PR charts, rendered by Mermaid in Chromium', () => {
  let renderer: ChartRenderer;
  let demo: { prs: string[]; charts: Chart[] } = { prs: [], charts: [] };

  beforeAll(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    [renderer, demo] = await Promise.all([ChartRenderer.launch(), demoCharts()]);
  }, 120_000);
  afterAll(async () => {
    await renderer?.close();
  });

  it('has a load chart for every PR of the demo, and a memory chart at most', () => {
    expect(demo.prs.length).toBeGreaterThanOrEqual(4);
    for (const pr of demo.prs) expect(demo.charts.filter((c) => c.name.startsWith(`${pr}-`)).length, pr).toBeGreaterThanOrEqual(1);
    expect(demo.charts.every((c) => /-(load|memory)$/.test(c.name))).toBe(true);
  });

  it('parses, renders every series in its colour with a legend and writes a PNG, for every chart', async () => {
    const charts = [...demo.charts, ...fixtureCharts()];
    for (const { name, source } of charts) {
      await expect(parseMermaid(source), name).resolves.toMatchObject({ diagramType: 'xychart' });
      const r = await renderer.render(source);
      writeFileSync(join(OUT, `${name}.png`), r.png);
      const declared = declaredSeries(source);
      expect(declared, name).toBeGreaterThanOrEqual(2);
      expect(r.plotted, name).toBe(declared);
      // Mermaid's legend names the titled lines (the band's second half has none).
      expect(r.legendEntries, name).toBe(source.split('\n').filter((l) => /^\s*line "/.test(l)).length);
      const palette = (/"plotColorPalette":"([^"]+)"/.exec(source)?.[1] ?? '').split(',').map((c) => c.trim().toLowerCase());
      expect(strokes(r.svg), name).toEqual(palette);
      const yTitle = /y-axis "([^"]*)"/.exec(source)?.[1] ?? '';
      expect(r.svg, name).toContain(`>${yTitle}</text>`);
      expect(r.svg, name).toMatch(/>hours from now \(a point per hour(; -168 is a week ago)?\)<\/text>/);
      // A PNG, and not a blank one: a rendered chart of this size compresses to tens of kB.
      expect(r.png.subarray(0, 8).toString('hex'), name).toBe('89504e470d0a1a0a');
      expect(r.png.length, name).toBeGreaterThan(20_000);
    }
  }, 120_000);
});
