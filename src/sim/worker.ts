// A worker thread of `simulateFiles` with jobs > 1: replays the traces it is sent, one at a time.
import { serveTasks } from '../util/workers.js';
import { replayFile } from './run.js';
import type { SimOptions } from './replay.js';

serveTasks((t: { file: string; options: SimOptions }) => replayFile(t.file, t.options));
