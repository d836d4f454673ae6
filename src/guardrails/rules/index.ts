// Every guardrail, in the order the cycle applies them. This array is the order: the runners in
// ../run.ts walk it stage by stage, and the README's list is generated from it (npm run gen).
import type { Rule } from '../rule.js';
import { admission } from './admission.js';
import { allowedChanges } from './allowedChanges.js';
import { budgetPerNamespace } from './budgetPerNamespace.js';
import { budgetPerPR } from './budgetPerPR.js';
import { capacity } from './capacity.js';
import { clusterRequired } from './clusterRequired.js';
import { consistency } from './consistency.js';
import { cooldown } from './cooldown.js';
import { drift } from './drift.js';
import { freezeWindows } from './freezeWindows.js';
import { headroom } from './headroom.js';
import { limitRange } from './limitRange.js';
import { manifest } from './manifest.js';
import { maxPerPod } from './maxPerPod.js';
import { maxStepPercent } from './maxStepPercent.js';
import { memoryLeak } from './memoryLeak.js';
import { metrics } from './metrics.js';
import { minAccuracy } from './minAccuracy.js';
import { minChangePercent } from './minChangePercent.js';
import { minHistory } from './minHistory.js';
import { minMaxReplicas } from './minMaxReplicas.js';
import { maxOpenPRs, maxPRsPerHour } from './prLimits.js';
import { plausibility } from './plausibility.js';
import { protectedRule } from './protected.js';
import { rejectedBackoff } from './rejectedBackoff.js';
import { sanity } from './sanity.js';
import { scaleDownOnEvidenceOnly } from './scaleDownOnEvidenceOnly.js';

export const RULES: readonly Rule[] = [
  // facts, before any forecast
  manifest,
  drift,
  metrics,
  capacity,
  // the draft
  sanity,
  plausibility,
  protectedRule,
  minHistory,
  minAccuracy,
  freezeWindows,
  cooldown,
  allowedChanges,
  scaleDownOnEvidenceOnly,
  minMaxReplicas,
  maxPerPod,
  maxStepPercent,
  consistency,
  minChangePercent,
  rejectedBackoff,
  memoryLeak,
  budgetPerPR,
  // the cluster
  clusterRequired,
  limitRange,
  headroom,
  admission,
  // the fleet
  budgetPerNamespace,
  maxOpenPRs,
  maxPRsPerHour,
];
