// Kernel call cost: ns per scoreOffsets call (and per row) for each implementation, at the shapes
// HNSW expansion (16 offsets) and rescoring / scans (1000 offsets) use.
// Run: npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/kernels.js
import { loadAddon } from '../src/native/addon.js';
import { createNativeKernels } from '../src/kernels/native-kernels.js';
import { getTypescriptKernels, type Kernels, type KernelOp } from '../src/kernels/index.js';

const ROWS = 20_000;

function measure(k: Kernels, op: KernelOp, dim: number, count: number): number {
  const base = new Float32Array(ROWS * dim).map(() => Math.random() - 0.5);
  const query = new Float32Array(dim).map(() => Math.random() - 0.5);
  const offsets = Uint32Array.from({ length: count }, () => Math.floor(Math.random() * ROWS));
  const out = new Float32Array(count);
  const targetNs = 150e6;
  let iterations = 16;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) k.scoreOffsets(op, query, base, dim, offsets, count, out);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (elapsed > targetNs) return elapsed / iterations;
    iterations *= 2;
  }
}

const implementations: Kernels[] = [getTypescriptKernels()];
const addon = loadAddon();
if (addon !== null) {
  for (const isa of ['scalar', 'avx2', 'avx512']) {
    const table = addon.kernels[isa];
    if (table !== undefined) implementations.push(createNativeKernels(table));
  }
}

const ops: KernelOp[] = (process.argv[2]?.split(',') as KernelOp[] | undefined) ?? ['dot', 'l2sq'];
console.log('| op | dim | offsets | implementation | ns/call | ns/row |');
console.log('|---|---:|---:|---|---:|---:|');
for (const op of ops) {
  for (const dim of [128, 768]) {
    for (const count of [16, 1000]) {
      for (const k of implementations) {
        const ns = measure(k, op, dim, count);
        console.log(
          `| ${op} | ${dim} | ${count} | ${k.implementation} | ${ns.toFixed(0)} | ${(ns / count).toFixed(1)} |`,
        );
      }
    }
  }
}
