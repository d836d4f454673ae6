import { describe, expect, it } from 'vitest';
import { decodeMatrix as decodeBytes, MatrixFormatError, parseDecimal, type MatrixSink } from './matrix.js';
import { prng } from '../util/prng.js';

/** A sink over a 4-point grid at 60 s from t=1000, columns by label set. */
function sink(points = 4, firstIndex = 0) {
  const cols = new Map<string, Float64Array>();
  const s: MatrixSink = {
    start: 1000,
    stepSeconds: 60,
    points,
    firstIndex,
    column: (labels) => {
      const k = JSON.stringify(labels);
      let c = cols.get(k);
      if (!c) cols.set(k, (c = new Float64Array(points + firstIndex).fill(NaN)));
      return c;
    },
  };
  return { s, cols };
}

/** decodeMatrix on the UTF-8 bytes of `text`, as an answer arrives. */
const decodeMatrix = (text: string, s: MatrixSink) => decodeBytes(Buffer.from(text), s);

describe('decodeMatrix', () => {
  it('writes each sample at its grid index, as JSON.parse would read it', () => {
    const { s, cols } = sink();
    const text = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          { metric: { pod: 'web-a', container: 'app' }, values: [[1000, '1.5'], [1120, '2e-3'], [1180.000, '-4']] },
          { metric: { pod: 'we"b}]-b', container: 'x\\y' }, values: [[1060, 'NaN'], [1120, '+Inf'], [1180, '7']] },
        ],
      },
      warnings: ['a [warning] with {brackets}'],
    });
    expect(decodeMatrix(text, s)).toBe(2);
    expect([...cols.get(JSON.stringify({ pod: 'web-a', container: 'app' }))!]).toEqual([1.5, NaN, 0.002, -4]);
    // Non-finite values are missing samples; labels with quotes and brackets are read whole.
    expect([...cols.get(JSON.stringify({ pod: 'we"b}]-b', container: 'x\\y' }))!]).toEqual([NaN, NaN, NaN, 7]);
  });

  it('places a later chunk after the earlier ones and drops samples off its grid; reads whitespace and any key order', () => {
    const { s, cols } = sink(2, 3);
    const text = ' { "data" : { "result" : [ { "values" : [ [ 940 , "9" ] , [ 1000 , "1" ] , [ 1060 , "2" ] , [ 1120 , "3" ] ] , "metric" : { } } ] , "resultType" : "matrix" } , "status" : "success" } ';
    decodeMatrix(text, s);
    expect([...cols.get('{}')!]).toEqual([NaN, NaN, NaN, 1, 2]);
  });

  it('reads the answer as bytes: labels beyond ASCII and escapes come out as JSON.parse gives them', () => {
    const { s, cols } = sink();
    const labels = { pod: 'wéb-ü-日本', note: 'tab\there "quoted" \u00e9' };
    expect(decodeMatrix(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: labels, values: [[1060, '2.25']] }] } }), s)).toBe(1);
    expect([...cols.get(JSON.stringify(labels))!]).toEqual([NaN, 2.25, NaN, NaN]);
  });

  it('an empty matrix is no series', () => {
    expect(decodeMatrix('{"status":"success","data":{"resultType":"matrix","result":[]}}', sink().s)).toBe(0);
  });

  it('refuses what is not a matrix answer, saying where', () => {
    expect(() => decodeMatrix('{"status":"success","data":{"resultType":"vector","result":[]}}', sink().s)).toThrow(/expected a matrix .*"vector"/);
    expect(() => decodeMatrix('<html>502</html>', sink().s)).toThrow(MatrixFormatError);
    expect(() => decodeMatrix('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1000,"1"]', sink().s)).toThrow(/at byte/);
    expect(() => decodeMatrix('{"status":"success"}', sink().s)).toThrow(/no data.result/);
  });
});

describe('parseDecimal', () => {
  it('reads every sample text as Number() does, to the bit', () => {
    const rnd = prng(7);
    const texts = ['0', '-0', '1', '1.', '.5', '-.5', '00012.50', '123456789012345', '1234567890123456', '0.1', '0.30000000000000004', '1e3', '-2.5E-3', 'NaN', '+Inf', '-Inf', '', '-', '.', '1.2.3', '9007199254740993'];
    for (let k = 0; k < 20_000; k++) {
      const x = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 30 - 10);
      texts.push(String(x), x.toFixed(Math.floor(rnd() * 12)), x.toPrecision(1 + Math.floor(rnd() * 17)), String(Math.round(x)));
    }
    for (const t of texts) {
      const padded = Buffer.from(`[${t}]`);
      expect(Object.is(parseDecimal(padded, 1, padded.length - 1), Number(t)), t).toBe(true);
    }
  });
});
