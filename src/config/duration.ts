const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The syntax of a duration in the guardrails file: one or more number+unit pairs, e.g. "90s", "1h30m", "14d". */
export const DURATION_PATTERN = /^(\d+(\.\d+)?[smhdw])+$/;

/** Parses "30s", "5m", "1h30m", "14d", "2w" into seconds. Throws on anything else. */
export function parseDuration(text: string): number {
  if (!DURATION_PATTERN.test(text)) {
    throw new Error(`"${text}" is not a duration: write a number and a unit (s, m, h, d, w), e.g. "5m" or "14d"`);
  }
  let total = 0;
  for (const [, num, , unit] of text.matchAll(/(\d+(\.\d+)?)([smhdw])/g)) {
    total += Number(num) * UNIT_SECONDS[unit as string]!;
  }
  return total;
}
