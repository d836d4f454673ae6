// Mermaid's renderer in headless Chromium, for the tests of the PR charts: to count what was drawn
// and to look at the PNG. Chromium is Debian's (scripts/ensure-test-deps.sh installs it) and
// mermaid comes from node_modules: nothing is fetched.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export interface Rendering {
  svg: string;
  png: Buffer;
  /** Line and bar series drawn in the plot area. */
  plotted: number;
  /** Entries of the legend Mermaid drew inside the chart (0 when it drew none). */
  legendEntries: number;
}

/** Renders Mermaid sources in one headless Chromium page, with mermaid from node_modules (no network). */
export class ChartRenderer {
  private count = 0;
  private constructor(
    private readonly browser: Browser,
    private readonly page: Page,
  ) {}

  static async launch(): Promise<ChartRenderer> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-test-deps.sh (apt-get install chromium)`);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1000, height: 600 }, deviceScaleFactor: 1 });
    // Nothing leaves the machine: a page that asks for anything but itself fails.
    await page.route(/^(?!about:|data:)/, (route) => route.abort());
    await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"><div id="chart" style="width:900px"></div></body></html>');
    const require = createRequire(import.meta.url);
    await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
    await page.evaluate(`mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' })`);
    return new ChartRenderer(browser, page);
  }

  async render(source: string): Promise<Rendering> {
    const id = `chart${++this.count}`;
    // The page's own code, as text: this project's TypeScript has no DOM types.
    const svg = await this.page.evaluate<string>(`(async () => {
      const { svg } = await mermaid.render(${JSON.stringify(id)}, ${JSON.stringify(source)});
      document.getElementById('chart').innerHTML = svg;
      return svg;
    })()`);
    const counts = await this.page.evaluate<{ plotted: number; legendEntries: number }>(`({
      plotted: document.querySelectorAll('#chart g.plot > g[class^="line-plot-"], #chart g.plot > g[class^="bar-plot-"]').length,
      legendEntries: document.querySelectorAll('#chart g.legend g.label text').length,
    })`);
    const png = await this.page.locator('#chart svg').screenshot({ type: 'png' });
    return { svg, png, ...counts };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
