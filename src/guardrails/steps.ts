// How far one PR may move a value (maxStepPercent), in the unit it is written in. The one
// implementation: the maxStepPercent rule, the schedule's hours and the replay in sim/ use it.
import { changeKindOf, type FieldKey } from '../domain/workload.js';

export const isWhole = (field: FieldKey): boolean => changeKindOf(field) === 'replicas' || changeKindOf(field) === 'hpa';

/**
 * The furthest a value may move toward `bound`, in the unit it is written in: whole replicas
 * (always at least one, so a small workload is never stuck), millicores, MiB.
 */
export function stepLimit(field: FieldKey, current: number, bound: number, dir: 'up' | 'down'): number {
  // The epsilon keeps float dust (7 × 1.3 = 9.100000000000001) from costing or adding a replica.
  if (isWhole(field)) return dir === 'up' ? Math.max(current + 1, Math.floor(bound + 1e-9)) : Math.max(0, Math.min(current - 1, Math.ceil(bound - 1e-9)));
  const unit = field.startsWith('cpu.') ? 0.001 : 2 ** 20;
  const rounded = dir === 'up' ? Math.floor(bound / unit + 1e-9) * unit : Math.ceil(bound / unit - 1e-9) * unit;
  const limit = field.startsWith('cpu.') ? Math.round(rounded * 1000) / 1000 : rounded;
  // A current value off the unit grid (1500M is 1430.5 MiB) never rounds to a move the other way.
  return dir === 'up' ? Math.max(current, limit) : Math.min(current, limit);
}

/** The step bound in a direction: current × (1 ± percent/100). */
export function stepBound(current: number, dir: 'up' | 'down', percent: { up: number; down: number }): number {
  return current * (1 + (dir === 'up' ? 1 : -1) * (percent[dir] / 100));
}

/** `proposed` after the step limit against `current` (unchanged when within it). */
export function clampStep(field: FieldKey, current: number, proposed: number, percent: { up: number; down: number }): number {
  if (current <= 0 || proposed === current) return proposed;
  const dir = proposed > current ? 'up' : 'down';
  const bound = stepBound(current, dir, percent);
  const beyond = dir === 'up' ? proposed > bound : proposed < bound;
  return beyond ? stepLimit(field, current, bound, dir) : proposed;
}
