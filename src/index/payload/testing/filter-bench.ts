// Benchmark (not a test): evaluation speed of compiled filters over 100k points, with payload
// indexes, with indexes plus a stale-offset hook, and on payloads alone; plus index build time
// and serialized size. Run after a private build:
//   npx tsc -p tsconfig.json --outDir .tmp/filter && node .tmp/filter/src/index/payload/testing/filter-bench.js
// Payloads are in-memory objects, so the payload column is a lower bound of real payload reads.

import { fileURLToPath } from 'node:url';
import { compileFilter, type FilterContext } from '../../../filter/compile-filter.js';
import type { JsonObject } from '../../../filter/json-path.js';
import { parseFilter } from '../../../filter/parse-filter.js';
import { seededRng } from '../../../filter/testing/random-data.js';
import { estimateFilterCardinality } from '../estimate-filter-cardinality.js';
import { parsePayloadFieldSchema } from '../field-schema.js';
import { PayloadIndexSet } from '../payload-index-set.js';

const FILTERS: Record<string, unknown> = {
  'keyword + range': {
    must: [
      { key: 'city', match: { value: 'London' } },
      { key: 'price', range: { gte: 100, lt: 500 } },
    ],
  },
  'any + range + bool': {
    must: [
      { key: 'city', match: { any: ['London', 'Paris'] } },
      { key: 'price', range: { gte: 100, lt: 900 } },
      { key: 'in_stock', match: { value: true } },
    ],
  },
  'float range, must_not keyword': {
    must: [{ key: 'rating', range: { gt: 2.5 } }],
    must_not: [{ key: 'tags', match: { value: 'x7' } }],
  },
  'should x2 + datetime': {
    should: [
      { key: 'city', match: { value: 'Rome' } },
      { key: 'city', match: { value: 'Oslo' } },
    ],
    must: [{ key: 'created', range: { gte: '2021-01-01T00:00:00Z' } }],
  },
  'geo radius + except': {
    must: [
      { key: 'location', geo_radius: { center: { lon: 0, lat: 0 }, radius: 3_000_000 } },
      { key: 'city', match: { except: ['Rome'] } },
    ],
  },
  'range, must_not is_empty': {
    must: [{ key: 'price', range: { lt: 300 } }],
    must_not: [{ is_empty: { key: 'tags' } }],
  },
};

export function runFilterBench(points = 100_000): void {
  const rng = seededRng(1);
  const cities = [
    'London',
    'Berlin',
    'Paris',
    'Moscow',
    'Rome',
    'Madrid',
    'Oslo',
    'Lisbon',
    'Vienna',
    'Prague',
  ];
  const pick = () => cities[Math.floor(rng() * cities.length)]!;
  const payloads: JsonObject[] = Array.from({ length: points }, () => ({
    city: pick(),
    price: Math.floor(rng() * 1000),
    rating: rng() * 5,
    tags: [pick(), 'x' + Math.floor(rng() * 100)],
    in_stock: rng() < 0.5,
    location: { lon: rng() * 360 - 180, lat: rng() * 180 - 90 },
    created: new Date(
      Date.UTC(2020, 0, 1) + Math.floor(rng() * 4 * 365 * 86_400_000),
    ).toISOString(),
  }));
  const t0 = performance.now();
  const schemas: [string, unknown][] = [
    ['city', 'keyword'],
    ['price', 'integer'],
    ['rating', 'float'],
    ['tags', 'keyword'],
    ['in_stock', 'bool'],
    ['location', 'geo'],
    ['created', 'datetime'],
  ];
  const indexes = PayloadIndexSet.build(
    schemas.map(([k, s]) => [k, parsePayloadFieldSchema(s)] as const),
    payloads.map((p, o) => [o, p] as const),
    points,
  );
  const buildMs = performance.now() - t0;
  console.log(
    `build ${schemas.length} indexes over ${points} points: ${buildMs.toFixed(0)} ms, ${indexes.serialize().length} bytes serialized`,
  );
  const base: FilterContext = {
    payload: (o) => payloads[o],
    pointId: (o) => o,
    hasVector: () => true,
  };
  const modes: [string, FilterContext][] = [
    ['indexed', { ...base, indexes }],
    ['indexed+stale hook', { ...base, indexes, isIndexStale: () => false }],
    ['payload only', base],
  ];
  console.log(`${'filter'.padEnd(30)} ${'mode'.padEnd(20)} ns/point  compile ms  matches`);
  for (const [name, raw] of Object.entries(FILTERS)) {
    const filter = parseFilter(raw);
    for (const [mode, ctx] of modes) {
      let best = Infinity;
      let compileMs = 0;
      let matches = 0;
      for (let round = 0; round < 5; round++) {
        const c0 = performance.now();
        const check = compileFilter(filter, ctx);
        compileMs = performance.now() - c0;
        const s0 = performance.now();
        matches = 0;
        for (let o = 0; o < points; o++) if (check(o)) matches++;
        best = Math.min(best, performance.now() - s0);
      }
      console.log(
        `${name.padEnd(30)} ${mode.padEnd(20)} ${((best * 1e6) / points).toFixed(1).padStart(8)}  ${compileMs.toFixed(2).padStart(10)}  ${matches}`,
      );
    }
    const e = estimateFilterCardinality(filter, indexes, points);
    console.log(`${''.padEnd(30)} estimate min ${e.min} exp ${e.exp} max ${e.max}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runFilterBench();
