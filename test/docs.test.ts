// The config reference in the README and config/augur.schema.json are generated from the zod
// schema; this fails when someone changes the schema without running `npm run gen`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guardrailsMarkdown, jsonSchema, referenceMarkdown } from '../scripts/gen-config-docs.js';

const root = new URL('..', import.meta.url);

describe('generated docs', () => {
  it('config/augur.schema.json matches the schema', () => {
    const onDisk = JSON.parse(readFileSync(new URL('config/augur.schema.json', root), 'utf8')) as unknown;
    expect(onDisk).toEqual(jsonSchema());
  });

  it('the README lists the guardrails in the order RULES applies them', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme).toContain(`\n${guardrailsMarkdown()}\n<!-- guardrails:end -->`);
  });

  it('the README config reference matches the schema', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme).toContain(`\n${referenceMarkdown()}\n<!-- config-reference:end -->`);
  });
});
