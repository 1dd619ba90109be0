// Public surface of quantization: build a quantizer from Qdrant's `quantization_config`, open
// serialised quantized vectors, rescore candidates. The segment layer composes these with its
// vector storage (exact scorers, BatchReader-backed sources) and the HNSW index.

import { RingvecError } from '../common/errors.js';
import { BinaryQuantizedVectors, BinaryQuantizer } from './binary-quantizer.js';
import { ProductQuantizedVectors, ProductQuantizer } from './product-quantizer.js';
import { QuantizedBuffer, type OpenOptions } from './quantized-buffer.js';
import type {
  Distance,
  QuantizationConfig,
  QuantizedVectors,
  QuantizeOptions,
  Quantizer,
} from './quantizer.js';
import { ScalarQuantizedVectors, ScalarQuantizer } from './scalar-quantizer.js';
import type { VectorSource } from './vector-source.js';

export type {
  BinaryEncoding,
  BinaryQuantizationConfig,
  BinaryQueryEncoding,
  CompressionRatio,
  Distance,
  ProductQuantizationConfig,
  QuantizationConfig,
  QuantizationKind,
  QuantizationProgress,
  QuantizedScorer,
  QuantizedVectors,
  QuantizeOptions,
  Quantizer,
  ScalarQuantizationConfig,
} from './quantizer.js';
export { ArrayVectorSource, type VectorSource } from './vector-source.js';
export { ScalarQuantizer, ScalarQuantizedVectors } from './scalar-quantizer.js';
export { ProductQuantizer, ProductQuantizedVectors } from './product-quantizer.js';
export { BinaryQuantizer, BinaryQuantizedVectors } from './binary-quantizer.js';
export { FORMAT_VERSION, type OpenOptions } from './quantized-buffer.js';
export { oversampledLimit, rescore } from './rescore.js';
export { scanQuantized } from './quantized-scan.js';
export { TopK, type ScoredOffsets } from './top-k.js';

/** Training knobs that are not part of Qdrant's config (tests and benchmarks shrink them). */
export interface QuantizerTuning {
  /** Seed of every random choice (samples, empty-cluster re-seeding). */
  readonly seed?: number;
  /** Product: vectors sampled for k-means (default 10 000). */
  readonly sampleSize?: number;
  /** Product: k-means iterations per subspace at most (default 100). */
  readonly maxIterations?: number;
}

/** A quantizer for vectors of `dim` elements compared by `distance`, as `config` asks. */
export function createQuantizer(
  config: QuantizationConfig,
  dim: number,
  distance: Distance,
  tuning: QuantizerTuning = {},
): Quantizer {
  const seed = tuning.seed === undefined ? {} : { seed: tuning.seed };
  if ('scalar' in config) {
    if (config.scalar.type !== 'int8') {
      throw new RingvecError(
        'bad_input',
        `scalar type must be int8, got ${String(config.scalar.type)}`,
      );
    }
    const quantile = config.scalar.quantile;
    return new ScalarQuantizer(dim, distance, {
      ...(quantile === undefined || quantile === null ? {} : { quantile }),
      ...seed,
    });
  }
  if ('product' in config) {
    return new ProductQuantizer(dim, distance, {
      compression: config.product.compression,
      ...(tuning.sampleSize === undefined ? {} : { sampleSize: tuning.sampleSize }),
      ...(tuning.maxIterations === undefined ? {} : { maxIterations: tuning.maxIterations }),
      ...seed,
    });
  }
  if ('binary' in config) {
    const { encoding, query_encoding: queryEncoding } = config.binary;
    return new BinaryQuantizer(dim, distance, {
      ...(encoding === undefined || encoding === null ? {} : { encoding }),
      ...(queryEncoding === undefined || queryEncoding === null ? {} : { queryEncoding }),
    });
  }
  throw new RingvecError(
    'bad_input',
    'quantization config must have one of scalar, product, binary',
  );
}

/** Trains on `source` and encodes it: createQuantizer + train + encode. */
export async function quantize(
  config: QuantizationConfig,
  source: VectorSource,
  distance: Distance,
  options?: QuantizeOptions & { readonly tuning?: QuantizerTuning },
): Promise<QuantizedVectors> {
  const quantizer = createQuantizer(config, source.dim, distance, options?.tuning);
  await quantizer.train(source, options);
  return quantizer.encode(source, options);
}

/**
 * Opens serialised quantized vectors of any kind (bytes from `toBytes()`, a file, or a buffer
 * posted by another thread). Throws RingvecError('service', 'corrupt quantized vectors data: …')
 * on a truncated or corrupt input.
 */
export function openQuantizedVectors(bytes: Uint8Array, options?: OpenOptions): QuantizedVectors {
  const data = QuantizedBuffer.open(bytes, options);
  switch (data.meta.kind) {
    case 'scalar':
      return new ScalarQuantizedVectors(data);
    case 'product':
      return new ProductQuantizedVectors(data);
    case 'binary':
      return new BinaryQuantizedVectors(data);
    default:
      throw new RingvecError(
        'service',
        `corrupt quantized vectors data: unknown kind ${JSON.stringify(data.meta.kind)}`,
      );
  }
}
