// A worker thread of `simulateFiles` with jobs > 1: replays the traces it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { replayFile, type FileOutcome } from './run.js';
import type { SimOptions } from './replay.js';

parentPort?.on('message', (msg: { index: number; file: string; options: SimOptions }) => {
  replayFile(msg.file, msg.options).then(
    (outcome: FileOutcome) => parentPort?.postMessage({ index: msg.index, outcome }),
    (err: unknown) => parentPort?.postMessage({ index: msg.index, error: err instanceof Error ? err.message : String(err) }),
  );
});
