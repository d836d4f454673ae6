// Mermaid's own parser, for the tests of the PR charts: an invalid chart fails the test instead
// of showing as an error box on GitHub. (chromium.ts renders them.)
import { parseHTML } from 'linkedom';

/** The ```mermaid blocks of a markdown text, without their fences. */
export function mermaidBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

/** How many series a chart source declares (`line` and `bar` statements). */
export function declaredSeries(source: string): number {
  return source.split('\n').filter((l) => /^\s*(line|bar)\b/.test(l)).length;
}

type Mermaid = (typeof import('mermaid'))['default'];
type ParseResult = Exclude<Awaited<ReturnType<Mermaid['parse']>>, false>;

let parser: Promise<Mermaid> | undefined;

/**
 * Mermaid's parser. mermaid loads DOMPurify, which needs a `window` when the module is imported;
 * linkedom is the smallest DOM that lets it load (DOMPurify stays inert under it, so text is not
 * sanitised here: chromium.ts runs the real thing). Throws Mermaid's parse error.
 */
export async function parseMermaid(text: string): Promise<ParseResult> {
  parser ??= (async () => {
    // Only while mermaid loads: a test worker runs other files after this one, and code that sees
    // a `window` takes itself for a browser.
    const dom = parseHTML('<!doctype html><html><head></head><body></body></html>');
    const g = globalThis as Record<string, unknown>;
    const had = { window: 'window' in g, document: 'document' in g };
    g.window ??= dom.window;
    g.document ??= dom.document;
    try {
      return (await import('mermaid')).default;
    } finally {
      if (!had.window) delete g.window;
      if (!had.document) delete g.document;
    }
  })();
  const result = await (await parser).parse(text);
  if (!result) throw new Error('mermaid.parse returned false');
  return result;
}
