// The jobs optimizer workers run, as structured-cloneable messages, and the results they return.

import type { PayloadFieldSchema } from '../index/payload/field-schema.js';
import type { QuantizationConfig } from '../quantization/index.js';
import type {
  BuildPhase,
  SegmentBuildResult,
  SegmentBuildTask,
} from '../segment/segment-builder.js';
import type { SharedSegmentState } from '../segment/types.js';

export type OptimizerTask =
  | { kind: 'build'; task: SegmentBuildTask }
  | {
      /** Requantize one vector of a segment from its originals into `path`. */
      kind: 'quantize';
      state: SharedSegmentState;
      vectorIndex: number;
      count: number;
      config: QuantizationConfig;
      path: string;
    }
  | {
      /** Build payload indexes over a segment's payloads (positions as of the snapshot). */
      kind: 'payload_index';
      state: SharedSegmentState;
      count: number;
      positions: Uint32Array;
      schema: [string, PayloadFieldSchema][];
      path: string;
    };

export type OptimizerResult =
  | { kind: 'build'; result: SegmentBuildResult }
  | { kind: 'quantize'; buffer: SharedArrayBuffer; config: unknown }
  | { kind: 'payload_index'; buffer: SharedArrayBuffer };

export interface OptimizerProgress {
  phase: BuildPhase;
  done: number;
  total: number;
}

export type ToWorker = { id: number; task: OptimizerTask };
export type FromWorker =
  | { id: number; progress: OptimizerProgress }
  | { id: number; result: OptimizerResult }
  | { id: number; error: { message: string; stack?: string | undefined } };
