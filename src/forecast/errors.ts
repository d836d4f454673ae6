/** Raised when no forecast can be made; the message says what is there and what is needed. */
export class ForecastError extends Error {
  constructor(
    message: string,
    /** Usable history, in steps, when the error is about history length. */
    readonly historySteps?: number,
    /** History the least demanding model needs, in steps. */
    readonly neededSteps?: number,
  ) {
    super(message);
    this.name = 'ForecastError';
  }
}

/** "4032 steps (14 d at 300 s)": a step count a person can read. */
export function describeSteps(steps: number, stepSeconds: number): string {
  return `${steps} step${steps === 1 ? '' : 's'} (${describeDuration(steps * stepSeconds)} at ${stepSeconds} s)`;
}

export function describeDuration(seconds: number): string {
  const fmt = (x: number): string => String(Math.round(x * 10) / 10);
  if (seconds >= 86400) return `${fmt(seconds / 86400)} d`;
  if (seconds >= 3600) return `${fmt(seconds / 3600)} h`;
  if (seconds >= 60) return `${fmt(seconds / 60)} min`;
  return `${fmt(seconds)} s`;
}
