// Decodes a Prometheus range-query answer (a JSON matrix) straight into columns of numbers.
//
// prometheus-query (and JSON.parse) build an object or array per sample: a [time, "value"] pair,
// then a { time: Date, value } per sample in the driver; at thousands of series of 4,000 points a
// batched read makes millions of them for the garbage collector. This scanner walks the answer's
// bytes once, as they came (no string is made of them: a batched answer is megabytes, 1,386 MiB in
// all in a first cycle of 5,000 workloads, to be scanned once), and writes each sample into a
// Float64Array by its grid index; only each series' label object is decoded and parsed with
// JSON.parse (one small object per series). Pure, no I/O.

/** Where a chunk's samples go: the column of a label set (created on first use) at index firstIndex + k. */
export interface MatrixSink {
  /** Unix seconds of the chunk's first grid point. */
  start: number;
  stepSeconds: number;
  /**
   * Grid points of the chunk; samples outside them are ignored, and each point takes the sample
   * nearest to it (an answer on a finer grid than asked gives each point its own sample, not a neighbour's).
   */
  points: number;
  firstIndex: number;
  column(labels: Record<string, string>): Float64Array;
}

export class MatrixFormatError extends Error {
  constructor(why: string, at: number, bytes: Uint8Array) {
    super(`${why} at byte ${at} (it reads ${JSON.stringify(utf8(bytes, Math.max(0, at - 20), Math.min(bytes.length, at + 20)))})`);
    this.name = 'MatrixFormatError';
  }
}

const decoder = new TextDecoder();
/** bytes[from, end) as text (UTF-8; a sequence cut at either end becomes U+FFFD). */
const utf8 = (bytes: Uint8Array, from: number, end: number): string => decoder.decode(bytes.subarray(from, end));

/**
 * What an answer says about itself besides its data, filled by decodeMatrix when given: the entries
 * of its `warnings` (a Thanos store or a remote-read endpoint that did not answer, PromQL warning
 * annotations; `infos`, Prometheus' info-level annotations, are skipped), and VictoriaMetrics'
 * `"isPartial": true` (a vmstorage node did not answer). What to make of them is the caller's.
 */
export interface AnswerNotes {
  warnings: string[];
  isPartial: boolean;
}

/**
 * Decodes `{"status":"success","data":{"resultType":"matrix","result":[...]}}` (its UTF-8 bytes) into
 * the sink; returns the number of series. With `notes`, its warnings and isPartial are collected there.
 */
export function decodeMatrix(bytes: Uint8Array, sink: MatrixSink, notes?: AnswerNotes): number {
  const s = new Scanner(bytes);
  let series = 0;
  s.expect(OPEN_BRACE);
  let sawResult = false;
  while (!s.eat(CLOSE_BRACE)) {
    const key = s.key();
    if (key === 'status') {
      const status = s.string();
      if (status !== 'success') throw new MatrixFormatError(`status ${JSON.stringify(status)}`, s.i, bytes);
    } else if (key === 'data') {
      s.expect(OPEN_BRACE);
      while (!s.eat(CLOSE_BRACE)) {
        const dk = s.key();
        if (dk === 'resultType') {
          const type = s.string();
          if (type !== 'matrix') throw new MatrixFormatError(`expected a matrix from a range query, got ${JSON.stringify(type)}`, s.i, bytes);
        } else if (dk === 'result') {
          sawResult = true;
          s.expect(OPEN_BRACKET);
          while (!s.eat(CLOSE_BRACKET)) {
            readSeries(s, sink);
            series++;
            s.eat(COMMA);
          }
        } else s.skipValue();
        s.eat(COMMA);
      }
    } else if (key === 'warnings' && notes) {
      s.strings(notes.warnings);
    } else if (key === 'isPartial' && notes) {
      const from = s.i;
      s.skipValue();
      if (utf8(bytes, from, s.i).trim() === 'true') notes.isPartial = true;
    } else s.skipValue();
    s.eat(COMMA);
  }
  if (!sawResult) throw new MatrixFormatError('no data.result in the answer', s.i, bytes);
  return series;
}

function readSeries(s: Scanner, sink: MatrixSink): void {
  s.expect(OPEN_BRACE);
  let labels: Record<string, string> | undefined;
  let valuesAt = -1;
  while (!s.eat(CLOSE_BRACE)) {
    const key = s.key();
    if (key === 'metric') {
      const from = s.i;
      s.skipValue();
      labels = JSON.parse(utf8(s.bytes, from, s.i)) as Record<string, string>;
    } else if (key === 'values' && labels) {
      readValues(s, sink.column(labels), sink);
    } else if (key === 'values') {
      // "values" before "metric" (not what Prometheus writes, but valid JSON): come back to it.
      valuesAt = s.i;
      s.skipValue();
    } else s.skipValue();
    s.eat(COMMA);
  }
  if (valuesAt >= 0) {
    const end = s.i;
    s.i = valuesAt;
    readValues(s, sink.column(labels ?? {}), sink);
    s.i = end;
  }
}

/**
 * `[[1700000000,"1.5"],[1700000300.5,"NaN"],...]` into the column by grid index; non-finite values stay NaN.
 * A series' samples come in time order, so those nearest one grid point are consecutive: the closest is kept.
 */
function readValues(s: Scanner, column: Float64Array, sink: MatrixSink): void {
  s.expect(OPEN_BRACKET);
  let lastK = -1;
  let lastOff = Infinity;
  while (!s.eat(CLOSE_BRACKET)) {
    s.expect(OPEN_BRACKET);
    const t = s.number();
    s.expect(COMMA);
    const v = s.numberString();
    s.expect(CLOSE_BRACKET);
    s.eat(COMMA);
    const x = (t - sink.start) / sink.stepSeconds;
    const k = Math.round(x);
    if (k < 0 || k >= sink.points || !Number.isFinite(v)) continue;
    const off = Math.abs(x - k);
    if (k === lastK && off >= lastOff) continue;
    lastK = k;
    lastOff = off;
    column[sink.firstIndex + k] = v;
  }
}

/** Exact powers of ten (10^0 .. 10^22 are all representable as doubles). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`)); // parsed, so each is the exact double

/**
 * Number() of the text of bytes[from, end), without the text, for the usual sample: an optional
 * minus, at most 15 digits in all and an optional fraction. Such a mantissa and 10^k (k <= 22) are
 * both exact doubles, so one division is correctly rounded: the same double as Number() (Clinger's
 * fast path). Anything else (exponents, more digits, Inf, NaN) goes to Number().
 */
export function parseDecimal(t: Uint8Array, from: number, end: number): number {
  let i = from;
  const negative = t[i] === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = t[i] as number;
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    } else if (c === 46 && fraction < 0) fraction = i;
    else return Number(utf8(t, from, end));
  }
  if (digits === 0 || digits > 15 || fraction === end - 1) return Number(utf8(t, from, end));
  const scale = fraction < 0 ? 0 : end - fraction - 1;
  const v = scale === 0 ? mantissa : mantissa / (POW10[scale] as number);
  return negative ? -v : v;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

class Scanner {
  i = 0;
  constructor(readonly bytes: Uint8Array) {}

  private ws(): void {
    const t = this.bytes;
    let c = t[this.i];
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t[++this.i];
  }

  eat(ch: number): boolean {
    this.ws();
    if (this.bytes[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  expect(ch: number): void {
    if (!this.eat(ch)) throw new MatrixFormatError(`expected ${JSON.stringify(String.fromCharCode(ch))}`, this.i, this.bytes);
  }

  key(): string {
    const k = this.string();
    this.expect(COLON);
    return k;
  }

  string(): string {
    this.ws();
    const from = this.i;
    const escaped = this.skipString();
    return escaped ? (JSON.parse(utf8(this.bytes, from, this.i)) as string) : utf8(this.bytes, from + 1, this.i - 1);
  }

  /**
   * An array's entries (or a lone value) into `into`: strings as they are, anything else as its JSON
   * text; `null` (what a server that does not omit an empty list may write) adds nothing.
   */
  strings(into: string[]): void {
    this.ws();
    if (this.bytes[this.i] === QUOTE) {
      into.push(this.string());
      return;
    }
    if (this.bytes[this.i] !== OPEN_BRACKET) {
      const from = this.i;
      this.skipValue();
      const text = utf8(this.bytes, from, this.i).trim();
      if (text !== 'null') into.push(text);
      return;
    }
    this.i++;
    while (!this.eat(CLOSE_BRACKET)) {
      this.ws();
      if (this.bytes[this.i] === QUOTE) into.push(this.string());
      else {
        const from = this.i;
        this.skipValue();
        into.push(utf8(this.bytes, from, this.i).trim());
      }
      this.eat(COMMA);
    }
  }

  /** A JSON number (the sample's time), parsed in place. */
  number(): number {
    this.ws();
    const t = this.bytes;
    const from = this.i;
    let c = t[this.i] as number;
    while ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69) c = t[++this.i] as number;
    if (this.i === from) throw new MatrixFormatError('expected a number', from, t);
    return parseDecimal(t, from, this.i);
  }

  /** A sample value: Prometheus writes it as a string ("1.5", "NaN", "+Inf"). */
  numberString(): number {
    this.ws();
    const t = this.bytes;
    if (t[this.i] !== QUOTE) throw new MatrixFormatError('expected a quoted sample value', this.i, t);
    const from = ++this.i;
    const end = t.indexOf(QUOTE, from);
    if (end < 0) throw new MatrixFormatError('unterminated sample value', from, t);
    this.i = end + 1;
    return parseDecimal(t, from, end); // "+Inf", "-Inf", "NaN" -> NaN or ±Infinity, kept out by the caller
  }

  /** Skips a string (UTF-8 bytes of a character beyond ASCII are never a quote or a backslash); true when it holds an escape. */
  private skipString(): boolean {
    const t = this.bytes;
    if (t[this.i] !== QUOTE) throw new MatrixFormatError('expected a string', this.i, t);
    let i = this.i + 1;
    let escaped = false;
    for (;;) {
      const c = t[i];
      if (c === undefined) throw new MatrixFormatError('unterminated string', this.i, t);
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else if (c === QUOTE) break;
      else i++;
    }
    this.i = i + 1;
    return escaped;
  }

  /** Skips any JSON value (strings read for their quotes, so brackets inside them do not count). */
  skipValue(): void {
    this.ws();
    const t = this.bytes;
    const c = t[this.i];
    if (c === QUOTE) {
      this.skipString();
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let depth = 0;
      for (;;) {
        this.ws();
        const d = t[this.i];
        if (d === undefined) throw new MatrixFormatError('unterminated value', this.i, t);
        if (d === QUOTE) {
          this.skipString();
          continue;
        }
        this.i++;
        if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
        else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
          if (--depth === 0) return;
        }
      }
    }
    // A number, true, false or null.
    const from = this.i;
    for (let d = t[this.i]; d !== undefined && d !== COMMA && d !== CLOSE_BRACE && d !== CLOSE_BRACKET && d !== 32 && d !== 10 && d !== 13 && d !== 9; d = t[++this.i]);
    if (this.i === from) throw new MatrixFormatError('expected a value', from, t);
  }
}
