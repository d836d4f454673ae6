// Small HTTP helpers of the webhook endpoints: a bounded body, a JSON answer, headers.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Largest request body accepted by default, in bytes (413 above). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Time a client has to send its whole body by default (408 after). */
export const BODY_TIMEOUT_MS = 10_000;

export interface BodyLimits {
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * Reads the body, at most `maxBytes` within `timeoutMs`: answers 413 or 408 (closing the
 * connection) and resolves undefined otherwise, so a slow or huge unauthenticated body holds
 * neither memory nor a socket for long.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limits: BodyLimits = {}): Promise<Buffer | undefined> {
  const maxBytes = limits.maxBytes ?? MAX_BODY_BYTES;
  const timeoutMs = limits.timeoutMs ?? BODY_TIMEOUT_MS;
  const tooLarge = () => send(res, 413, { error: `body larger than ${maxBytes} bytes` }, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    tooLarge();
    res.once('finish', () => req.destroy());
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (body: Buffer | undefined) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(body);
    };
    const timer = setTimeout(() => {
      chunks.length = 0;
      send(res, 408, { error: `body not received within ${timeoutMs / 1000} s` }, { connection: 'close' });
      res.once('finish', () => req.destroy());
      done(undefined);
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        tooLarge();
        res.once('finish', () => req.destroy()); // the rest is not read
        done(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks, size));
    const onError = () => done(undefined); // the client went away: nobody to answer
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

export function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`);
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}


export function bearer(authorization: string | undefined): string | undefined {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  return m?.[1];
}

export function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: message(err) };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function stringRecord(v: Record<string, unknown>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>; // no prototype: a "__proto__" label is just a label
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}



export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
