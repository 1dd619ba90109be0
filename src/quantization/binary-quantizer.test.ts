import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryRowBytes, BinaryQuantizer } from './binary-quantizer.js';
import type { BinaryEncoding, BinaryQueryEncoding } from './quantizer.js';
import { SeededRandom } from './seeded-random.js';
import { ArrayVectorSource, type VectorSource } from './vector-source.js';

async function encode(
  data: number[][],
  encoding: BinaryEncoding,
  queryEncoding: BinaryQueryEncoding = 'default',
) {
  const dim = data[0]!.length;
  const source = new ArrayVectorSource(Float32Array.from(data.flat()), dim);
  const quantizer = new BinaryQuantizer(dim, 'Dot', { encoding, queryEncoding });
  await quantizer.train(source);
  return quantizer.encode(source);
}

function bits(row: Uint8Array, count: number): string {
  let out = '';
  for (let j = 0; j < count; j++) out += (row[j >> 3]! >> (j & 7)) & 1;
  return out;
}

describe('BinaryQuantizer storage encodings', () => {
  it('pads rows to 128-bit words', () => {
    assert.equal(binaryRowBytes(768, 'one_bit'), 96);
    assert.equal(binaryRowBytes(100, 'one_bit'), 16);
    assert.equal(binaryRowBytes(100, 'two_bits'), 32);
    assert.equal(binaryRowBytes(100, 'one_and_half_bits'), 32);
    assert.equal(binaryRowBytes(64, 'one_and_half_bits'), 16);
    assert.equal(binaryRowBytes(1, 'one_bit'), 16);
  });

  it('one_bit: bit i = x_i > 0, least significant bit first', async () => {
    const vectors = await encode([[0.5, -1, 0, 2, 1e-9, -0, 3, 3, 1]], 'one_bit');
    assert.equal(bits(vectors.codes, 9), '100110111');
    assert.equal(vectors.bytesPerVector, 16);
  });

  // dim 0: mean 0, sample stddev 1; dim 1: stddev 0 (falls back to sign, no second bit).
  const training = [
    [-1, 10],
    [0, -5],
    [1, 10],
  ];

  it('two_bits: z ≤ −2/3 → 00, inside → 10, ≥ 2/3 → 11 (second bits after the first dim bits)', async () => {
    const vectors = await encode(training, 'two_bits');
    const row = (r: number): string => bits(vectors.codes.subarray(r * 16, (r + 1) * 16), 4);
    assert.equal(row(0), '0100');
    assert.equal(row(1), '1000');
    assert.equal(row(2), '1110');
  });

  it('one_and_half_bits: second bits of dims 2k and 2k+1 share bit dim + k', async () => {
    // dims 0 and 1 both have mean 0, stddev 1; dim 2 as well.
    const data = [
      [-1, -1, -1],
      [0, 0, 0],
      [1, 1, 1],
      [1, -1, 1],
      [-1, 1, -1],
    ];
    const vectors = await encode(data, 'one_and_half_bits');
    const row = (r: number): string => bits(vectors.codes.subarray(r * 16, (r + 1) * 16), 5);
    assert.equal(row(0), '00000');
    assert.equal(row(1), '11100');
    assert.equal(row(2), '11111');
    assert.equal(row(3), '10111'); // dim 0 high → bit 3; dim 2 high → bit 4
    assert.equal(row(4), '01010'); // dim 1 high → bit 3
  });

  it('one_bit training reads nothing', async () => {
    const source: VectorSource = {
      count: 10,
      dim: 4,
      readBatch: () => {
        throw new Error('should not read');
      },
    };
    await new BinaryQuantizer(4, 'Dot').train(source);
  });
});

describe('BinaryQuantizer scoring', () => {
  const dim = 37;
  const random = new SeededRandom(8);
  const data = Array.from({ length: 60 }, () => Array.from({ length: dim }, () => random.normal()));
  const query = Float32Array.from({ length: dim }, () => random.normal());

  for (const encoding of ['one_bit', 'two_bits', 'one_and_half_bits'] as const) {
    it(`${encoding} with a binary query: dim − 2·popcount(q XOR v)`, async () => {
      const vectors = await encode(data, encoding, 'binary');
      const rowBytes = vectors.bytesPerVector;
      // The query encoded like a stored vector: encode it as a one-row dataset with the same stats.
      const out = new Float32Array(60);
      vectors.scorer(query).scoreOffsets(
        Uint32Array.from({ length: 60 }, (_, i) => i),
        60,
        out,
      );
      const stored = new Float32Array(60);
      vectors.scorerFor(5).scoreOffsets(
        Uint32Array.from({ length: 60 }, (_, i) => i),
        60,
        stored,
      );
      for (let r = 0; r < 60; r++) {
        let xor = 0;
        for (let j = 0; j < rowBytes; j++) {
          let b = vectors.codes[5 * rowBytes + j]! ^ vectors.codes[r * rowBytes + j]!;
          for (; b; b &= b - 1) xor++;
        }
        assert.equal(stored[r], dim - 2 * xor);
        assert.equal(vectors.pair(5, r), dim - 2 * xor);
      }
      assert.equal(stored[5], dim);
      assert.ok(out.every((s) => Number.isInteger(s) && Math.abs(s) <= dim * 2));
    });

    for (const bitsCount of [4, 8] as const) {
      it(`${encoding} with a scalar${bitsCount}bits query: dim − 2·Σ(v ? M − c : c)/M`, async () => {
        const vectors = await encode(data, encoding, `scalar${bitsCount}bits`);
        const out = new Float32Array(60);
        vectors.scorer(query).scoreOffsets(
          Uint32Array.from({ length: 60 }, (_, i) => i),
          60,
          out,
        );
        // Reference straight from Qdrant's definition.
        const extended =
          encoding === 'one_bit'
            ? [...query]
            : encoding === 'two_bits'
              ? [...query, ...query]
              : [
                  ...query,
                  ...Array.from({ length: Math.ceil(dim / 2) }, (_, k) =>
                    2 * k + 1 < dim ? Math.max(query[2 * k]!, query[2 * k + 1]!) : query[2 * k]!,
                  ),
                ];
        const maxAbs = Math.max(...[...query].map(Math.abs));
        const levels = (1 << bitsCount) - 1;
        const delta = Math.fround((2 * maxAbs) / levels);
        const codes = extended.map((v) => Math.round((v + maxAbs) / delta) % (levels + 1));
        const rowBytes = vectors.bytesPerVector;
        for (let r = 0; r < 60; r++) {
          let x = 0;
          codes.forEach((c, j) => {
            const bit = (vectors.codes[r * rowBytes + (j >> 3)]! >> (j & 7)) & 1;
            x += bit ? levels - c : c;
          });
          assert.equal(out[r], Math.fround(dim - (2 * x) / levels));
        }
      });
    }
  }
});
