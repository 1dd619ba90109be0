// The contract of the quantized scoring primitives (scalar int8, binary, product quantization).
// They are exact integer arithmetic except `pqLookupOffsets`, whose order is fixed: subspace
// s = 0, 1, … added in float64 in that order, result stored as float32. The native SIMD versions
// must return identical results. Encoders and score corrections live in quantization/.

export interface QuantizedKernels {
  /** out[i] = Σ_j query[j] * row[j] over `dims` unsigned bytes (row r at base[r * strideBytes]). */
  u8DotOffsets(
    query: Uint8Array,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;

  /** out[i] = popcount(query XOR row) over query.length bytes. */
  xorPopcountOffsets(
    query: Uint8Array,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;

  /**
   * Asymmetric binary scoring: the query holds `planes` bit-planes of rowBytes bytes each
   * (plane p at query[p * rowBytes]); out[i] = Σ_p popcount(plane_p AND row) << p.
   */
  andPopcountOffsets(
    query: Uint8Array,
    planes: number,
    rowBytes: number,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Int32Array,
  ): void;

  /**
   * Product quantization: lut holds `subspaces` tables of 256 float32 scores (table s at
   * lut[s * 256]); row r's code for subspace s is base[r * strideBytes + s].
   * out[i] = Σ_s lut[s * 256 + code_s], accumulated in float64 in order s = 0, 1, ….
   */
  pqLookupOffsets(
    lut: Float32Array,
    subspaces: number,
    base: Uint8Array,
    strideBytes: number,
    offsets: Uint32Array,
    count: number,
    out: Float32Array,
  ): void;
}

const POPCOUNT8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT8[i] = (i & 1) + POPCOUNT8[i >> 1]!;

export const typescriptQuantizedKernels: QuantizedKernels = {
  u8DotOffsets(query, base, strideBytes, offsets, count, out) {
    const dims = query.length;
    for (let i = 0; i < count; i++) {
      const start = offsets[i]! * strideBytes;
      let sum = 0;
      for (let j = 0; j < dims; j++) sum += query[j]! * base[start + j]!;
      out[i] = sum;
    }
  },

  xorPopcountOffsets(query, base, strideBytes, offsets, count, out) {
    const bytes = query.length;
    for (let i = 0; i < count; i++) {
      const start = offsets[i]! * strideBytes;
      let sum = 0;
      for (let j = 0; j < bytes; j++) sum += POPCOUNT8[query[j]! ^ base[start + j]!]!;
      out[i] = sum;
    }
  },

  andPopcountOffsets(query, planes, rowBytes, base, strideBytes, offsets, count, out) {
    for (let i = 0; i < count; i++) {
      const start = offsets[i]! * strideBytes;
      let sum = 0;
      for (let p = 0; p < planes; p++) {
        let bits = 0;
        const q = p * rowBytes;
        for (let j = 0; j < rowBytes; j++) bits += POPCOUNT8[query[q + j]! & base[start + j]!]!;
        sum += bits << p;
      }
      out[i] = sum;
    }
  },

  pqLookupOffsets(lut, subspaces, base, strideBytes, offsets, count, out) {
    for (let i = 0; i < count; i++) {
      const start = offsets[i]! * strideBytes;
      let sum = 0;
      for (let s = 0; s < subspaces; s++) sum += lut[s * 256 + base[start + s]!]!;
      out[i] = sum;
    }
  },
};
