// Decodes a Prometheus range-query answer (a JSON matrix) straight into columns of numbers.
//
// prometheus-query (and JSON.parse) build an object or array per sample: a [time, "value"] pair,
// then a { time: Date, value } per sample in the driver; at thousands of series of 4,000 points a
// batched read makes millions of them for the garbage collector. This scanner walks the text once
// and writes each sample into a Float64Array by its grid index; only each series' label object is
// parsed with JSON.parse (one small object per series). Pure, no I/O.

/** Where a chunk's samples go: the column of a label set (created on first use) at index firstIndex + k. */
export interface MatrixSink {
  /** Unix seconds of the chunk's first grid point. */
  start: number;
  stepSeconds: number;
  /** Grid points of the chunk; samples off this grid are ignored. */
  points: number;
  firstIndex: number;
  column(labels: Record<string, string>): Float64Array;
}

export class MatrixFormatError extends Error {
  constructor(why: string, at: number, text: string) {
    super(`${why} at character ${at} (it reads ${JSON.stringify(text.slice(Math.max(0, at - 20), at + 20))})`);
    this.name = 'MatrixFormatError';
  }
}

/** Decodes `{"status":"success","data":{"resultType":"matrix","result":[...]}}` into the sink; returns the number of series. */
export function decodeMatrix(text: string, sink: MatrixSink): number {
  const s = new Scanner(text);
  let series = 0;
  s.expect('{');
  let sawResult = false;
  while (!s.eat('}')) {
    const key = s.key();
    if (key === 'status') {
      const status = s.string();
      if (status !== 'success') throw new MatrixFormatError(`status ${JSON.stringify(status)}`, s.i, text);
    } else if (key === 'data') {
      s.expect('{');
      while (!s.eat('}')) {
        const dk = s.key();
        if (dk === 'resultType') {
          const type = s.string();
          if (type !== 'matrix') throw new MatrixFormatError(`expected a matrix from a range query, got ${JSON.stringify(type)}`, s.i, text);
        } else if (dk === 'result') {
          sawResult = true;
          s.expect('[');
          while (!s.eat(']')) {
            readSeries(s, sink);
            series++;
            s.eat(',');
          }
        } else s.skipValue();
        s.eat(',');
      }
    } else s.skipValue();
    s.eat(',');
  }
  if (!sawResult) throw new MatrixFormatError('no data.result in the answer', s.i, text);
  return series;
}

function readSeries(s: Scanner, sink: MatrixSink): void {
  s.expect('{');
  let labels: Record<string, string> | undefined;
  let valuesAt = -1;
  while (!s.eat('}')) {
    const key = s.key();
    if (key === 'metric') {
      const from = s.i;
      s.skipValue();
      labels = JSON.parse(s.text.slice(from, s.i)) as Record<string, string>;
    } else if (key === 'values' && labels) {
      readValues(s, sink.column(labels), sink);
    } else if (key === 'values') {
      // "values" before "metric" (not what Prometheus writes, but valid JSON): come back to it.
      valuesAt = s.i;
      s.skipValue();
    } else s.skipValue();
    s.eat(',');
  }
  if (valuesAt >= 0) {
    const end = s.i;
    s.i = valuesAt;
    readValues(s, sink.column(labels ?? {}), sink);
    s.i = end;
  }
}

/** `[[1700000000,"1.5"],[1700000300.5,"NaN"],...]` into the column by grid index; non-finite values stay NaN. */
function readValues(s: Scanner, column: Float64Array, sink: MatrixSink): void {
  s.expect('[');
  while (!s.eat(']')) {
    s.expect('[');
    const t = s.number();
    s.expect(',');
    const v = s.numberString();
    s.expect(']');
    s.eat(',');
    const k = Math.round((t - sink.start) / sink.stepSeconds);
    if (k >= 0 && k < sink.points && Number.isFinite(v)) column[sink.firstIndex + k] = v;
  }
}

/** Exact powers of ten (10^0 .. 10^22 are all representable as doubles). */
const POW10 = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`)); // parsed, so each is the exact double

/**
 * Number(text.slice(from, end)) without the substring, for the usual sample: an optional minus,
 * at most 15 digits in all and an optional fraction. Such a mantissa and 10^k (k <= 22) are both
 * exact doubles, so one division is correctly rounded: the same double as Number() (Clinger's fast
 * path). Anything else (exponents, more digits, Inf, NaN) goes to Number().
 */
export function parseDecimal(t: string, from: number, end: number): number {
  let i = from;
  const negative = t.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
    } else if (c === 46 && fraction < 0) fraction = i;
    else return Number(t.slice(from, end));
  }
  if (digits === 0 || digits > 15 || fraction === end - 1) return Number(t.slice(from, end));
  const scale = fraction < 0 ? 0 : end - fraction - 1;
  const v = scale === 0 ? mantissa : mantissa / (POW10[scale] as number);
  return negative ? -v : v;
}

class Scanner {
  i = 0;
  constructor(readonly text: string) {}

  private ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = t.charCodeAt(++this.i);
  }

  eat(ch: string): boolean {
    this.ws();
    if (this.text[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  expect(ch: string): void {
    if (!this.eat(ch)) throw new MatrixFormatError(`expected ${JSON.stringify(ch)}`, this.i, this.text);
  }

  key(): string {
    const k = this.string();
    this.expect(':');
    return k;
  }

  string(): string {
    this.ws();
    const from = this.i;
    this.skipString();
    const raw = this.text.slice(from, this.i);
    return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }

  /** A JSON number (the sample's time), parsed in place. */
  number(): number {
    this.ws();
    const t = this.text;
    const from = this.i;
    let c = t.charCodeAt(this.i);
    while ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69) c = t.charCodeAt(++this.i);
    if (this.i === from) throw new MatrixFormatError('expected a number', from, t);
    return parseDecimal(t, from, this.i);
  }

  /** A sample value: Prometheus writes it as a string ("1.5", "NaN", "+Inf"). */
  numberString(): number {
    this.ws();
    const t = this.text;
    if (t.charCodeAt(this.i) !== 34) throw new MatrixFormatError('expected a quoted sample value', this.i, t);
    const from = ++this.i;
    const end = t.indexOf('"', from);
    if (end < 0) throw new MatrixFormatError('unterminated sample value', from, t);
    this.i = end + 1;
    return parseDecimal(t, from, end); // "+Inf", "-Inf", "NaN" -> NaN or ±Infinity, kept out by the caller
  }

  private skipString(): void {
    const t = this.text;
    if (t.charCodeAt(this.i) !== 34) throw new MatrixFormatError('expected a string', this.i, t);
    let i = this.i + 1;
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) throw new MatrixFormatError('unterminated string', this.i, t);
      if (c === 92) i += 2;
      else if (c === 34) break;
      else i++;
    }
    this.i = i + 1;
  }

  /** Skips any JSON value (strings read for their quotes, so brackets inside them do not count). */
  skipValue(): void {
    this.ws();
    const t = this.text;
    const c = t[this.i];
    if (c === '"') return this.skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      for (;;) {
        this.ws();
        const d = t[this.i];
        if (d === undefined) throw new MatrixFormatError('unterminated value', this.i, t);
        if (d === '"') {
          this.skipString();
          continue;
        }
        this.i++;
        if (d === '{' || d === '[') depth++;
        else if (d === '}' || d === ']') {
          if (--depth === 0) return;
        }
      }
    }
    // A number, true, false or null.
    const from = this.i;
    while (this.i < t.length && !',}] \n\r\t'.includes(t[this.i]!)) this.i++;
    if (this.i === from) throw new MatrixFormatError('expected a value', from, t);
  }
}
