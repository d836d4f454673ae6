// Costs: requested cores and GiB added, and what they cost per month at the configured prices.

export interface CostDelta {
  cores: number;
  memoryGiB: number;
  /** Money per month (730 hours) at the configured prices. */
  monthly: number;
  currency: string;
}

export interface Prices {
  coreHour: number;
  gibHour: number;
  currency: string;
}

export const zeroCost = (currency: string): CostDelta => ({ cores: 0, memoryGiB: 0, monthly: 0, currency });

/** Requested cores and GiB added, and what they cost per month (730 hours) at the prices. */
export function priced(cores: number, memoryGiB: number, prices: Prices): CostDelta {
  const monthly = (cores * prices.coreHour + memoryGiB * prices.gibHour) * 730;
  return { cores: round3(cores), memoryGiB: round3(memoryGiB), monthly: Math.round(monthly * 100) / 100, currency: prices.currency };
}

/** a + sign × b, rounded as every cost is (thousandths of a core and of a GiB, cents). */
export function addCost(a: CostDelta, b: CostDelta | undefined, sign: 1 | -1 = 1): CostDelta {
  if (!b) return a;
  return { cores: round3(a.cores + sign * b.cores), memoryGiB: round3(a.memoryGiB + sign * b.memoryGiB), monthly: Math.round((a.monthly + sign * b.monthly) * 100) / 100, currency: a.currency };
}

/** "+12.50 USD", "−3.00 EUR". */
export function money(c: CostDelta): string {
  return `${c.monthly >= 0 ? '+' : '−'}${Math.abs(c.monthly).toFixed(2)} ${c.currency}`;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
