// JSON that keeps 64-bit integers exact. Point ids are u64 and must round-trip above 2^53, which
// JSON.parse/JSON.stringify cannot do through a double. Parsing takes a fast path (plain
// JSON.parse) unless the text holds an integer literal of 16 or more digits, in which case
// lossless-json parses it and unsafe integers become `bigint`. Stringifying writes bigints as bare
// JSON numbers.

import { parse as losslessParse, isInteger } from 'lossless-json';
import { RingvecError } from './errors.js';

// A run of 16+ digits that does not follow a digit or a decimal point: an integer literal that may
// not fit a double exactly (or a digit run inside a string, which only costs the slow path).
const LONG_INTEGER = /(?:^|[^.\d])\d{16}/;

function parseNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : BigInt(text);
  }
  return Number(text);
}

/** Line and column (1-based) of a character offset, as serde reports them. */
function lineColumn(text: string, position: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line} column ${position - lineStart + 1}`;
}

/**
 * Parses a request body. Throws a `format` error ("Format error in JSON body: … at line L column C")
 * on malformed input.
 */
export function parseJson(text: string): unknown {
  if (!LONG_INTEGER.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // fall through: lossless-json gives a position for the message
    }
  }
  try {
    return losslessParse(text, null, parseNumber);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(message);
    const where = match ? ` at ${lineColumn(text, Number(match[1]))}` : '';
    const reason = message
      .replace(/\s*\(?at position \d+\)?/, '')
      .replace(/\s*at position \d+/, '');
    throw new RingvecError('format', `Format error in JSON body: ${reason}${where}`);
  }
}

const BIGINT_MARK = `\u0001bigint${process.pid}:`;
const BIGINT_PATTERN = new RegExp(`"\\\\u0001bigint${process.pid}:(\\d+)"`, 'g');

/** JSON.stringify that writes `bigint` values as exact JSON numbers. */
export function stringifyJson(value: unknown): string {
  let sawBigint = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') {
      sawBigint = true;
      return BIGINT_MARK + v.toString();
    }
    return v;
  });
  if (text === undefined) return 'null';
  return sawBigint ? text.replace(BIGINT_PATTERN, '$1') : text;
}

const f32Cell = new Float32Array(1);

/**
 * The shortest decimal that reads back as the same float32, as a number (what Qdrant's serde
 * prints for f32 values: 0.05, not 0.05000000074505806).
 */
export function shortestF32(value: number): number {
  f32Cell[0] = value;
  const exact = f32Cell[0];
  if (!Number.isFinite(exact) || Number.isInteger(exact)) return exact;
  // Binary search over 1–9 significant digits: every p-digit decimal is also a (p+1)-digit one,
  // so if p digits read back as `exact`, so do p+1. Nine digits always do.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    f32Cell[0] = Number(exact.toPrecision(mid));
    if (f32Cell[0] === exact) hi = mid;
    else lo = mid + 1;
  }
  return Number(exact.toPrecision(lo));
}

/** A float32 vector as JSON numbers in their shortest float32 form. */
export function f32Array(vector: Float32Array): number[] {
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = shortestF32(vector[i]!);
  return out;
}
