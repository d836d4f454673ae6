// A worker thread of `simulateFiles` with jobs > 1: replays the traces it is sent, one at a time.
import { registerExtras } from '../models/neural.js';
import { serveTasks, workerDataOf } from '../util/workers.js';
import { replayFile } from './run.js';
import type { SimOptions } from './replay.js';

// The parent's extra candidates (the neural model) are registered here too: a registry is per thread.
const ready = registerExtras(workerDataOf<{ extras?: string[] }>()?.extras);
serveTasks(async (t: { file: string; options: SimOptions }) => {
  await ready;
  return replayFile(t.file, t.options);
});
