import type { Note } from '../../domain/reasons.js';
import type { Rule } from '../rule.js';

export const minHistory: Rule = {
  name: 'minHistory',
  doc: 'less history than this holds, saying how much is missing; so does a history too short for any model',
  draft: (draft, { policy, historySeconds }) => ({
    draft,
    notes: [{ rule: 'minHistory', effect: historySeconds < policy.minHistory ? 'held' : 'passed', haveSeconds: historySeconds, needSeconds: policy.minHistory }],
  }),
};

/** The hold when no model could forecast the history at all (too short for every candidate). */
export const forecastFailed = (error: string): Note => ({ rule: 'minHistory', effect: 'held', forecastError: error });
