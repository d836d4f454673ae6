// A worker thread of `simulateFiles` with jobs > 1: replays the traces it is sent, one at a time.
import { serveTasks, workerDataOf } from '../util/workers.js';
import { replayFile } from './run.js';
import type { SimOptions } from './replay.js';

// The parent's extra candidates (the neural model) are registered here too: a registry is per thread.
// TensorFlow.js is loaded only when the parent registered the neural model.
const extras = workerDataOf<{ extras?: string[] }>()?.extras;
const ready = extras?.length ? import('../models/neural.js').then((m) => m.registerExtras(extras)) : Promise.resolve();
serveTasks(async (t: { file: string; options: SimOptions }) => {
  await ready;
  return replayFile(t.file, t.options);
});
