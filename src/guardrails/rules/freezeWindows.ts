import type { Rule } from '../rule.js';
import { activeFreeze } from '../time.js';

export const freezeWindows: Rule = {
  name: 'freezeWindows',
  doc: 'nothing is proposed inside these windows: cron windows with a duration, or date ranges, each in a time zone',
  draft(draft, { policy, now, timezone }) {
    const freeze = activeFreeze(policy.freezeWindows, now, timezone);
    if (freeze) return { draft, notes: [{ rule: 'freezeWindows', effect: 'held', window: freeze }] };
    return { draft, notes: [{ rule: 'freezeWindows', effect: 'passed', windows: policy.freezeWindows.length }] };
  },
};
