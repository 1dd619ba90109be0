// Geo index: the (lon, lat) values of each point, plus all values sorted by latitude. A geo
// condition first bounds the latitude band it can match (filter/geo.ts), then tests only the
// values in the band; estimates count the band exactly, so they are exact for the built state.
// Values are objects with numeric `lon` and `lat` (any range, as the payload check accepts them);
// other values can never satisfy a geo condition and are ignored.
//
// Layout: points.starts (points+1) + points.lon / points.lat (f64); by_lat.lat / by_lat.lon (f64)
// + by_lat.offsets (u32), ordered by latitude.

import { NO, YES, type IndexedCheck } from '../../filter/filter-index.js';
import type { FieldCondition } from '../../filter/filter-types.js';
import {
  geoBoundingBoxPredicate,
  geoPolygonPredicate,
  geoRadiusPredicate,
  latitudeBand,
  type GeoPredicate,
} from '../../filter/geo.js';
import { formatJsonPath, type JsonPath } from '../../filter/json-path.js';
import { leafGeo } from '../../filter/value-checks.js';
import { readSections, type LoadedSections, type SectionWriter } from './binary-format.js';
import type { Estimate } from './cardinality.js';
import type { PayloadFieldSchema } from './field-schema.js';
import {
  BasePayloadIndex,
  collectValues,
  exactly,
  finishCommon,
  loadCommon,
  type CommonMeta,
  type PayloadEntries,
} from './payload-field-index.js';
import { bitsetFor, bitsetToOffsets, F64Builder, hasBit, lowerBound } from './offsets.js';
import type { PointShape } from './point-shape.js';

interface GeoQuery {
  readonly predicate: GeoPredicate;
  readonly band: [number, number];
}

export class GeoIndex extends BasePayloadIndex {
  protected readonly kind = 'geo';

  private constructor(
    meta: CommonMeta,
    shape: PointShape,
    foreign: Uint32Array,
    private readonly pointStarts: Uint32Array,
    private readonly lons: Float64Array,
    private readonly lats: Float64Array,
    private readonly byLatLat: Float64Array,
    private readonly byLatLon: Float64Array,
    private readonly byLatOffsets: Uint32Array,
  ) {
    super(meta, shape, foreign);
  }

  static build(
    key: JsonPath,
    schema: PayloadFieldSchema,
    entries: PayloadEntries,
    pointCount: number,
  ): GeoIndex {
    const perPoint: (number[] | undefined)[] = new Array<number[] | undefined>(pointCount);
    const shapeBuilder = collectValues(
      key,
      entries,
      pointCount,
      (leaf) => (leafGeo(leaf) !== null ? 'captured' : 'ignored'),
      (offset, leaves) => {
        const coords: number[] = [];
        for (const leaf of leaves) {
          const p = leafGeo(leaf);
          if (p !== null) coords.push(p.lon, p.lat);
        }
        if (coords.length > 0) perPoint[offset] = coords;
      },
    );
    const pointStarts = new Uint32Array(pointCount + 1);
    const lonB = new F64Builder();
    const latB = new F64Builder();
    let captured = 0;
    for (let o = 0; o < pointCount; o++) {
      pointStarts[o] = lonB.length;
      const coords = perPoint[o];
      if (coords === undefined) continue;
      captured++;
      for (let i = 0; i < coords.length; i += 2) {
        lonB.push(coords[i]!);
        latB.push(coords[i + 1]!);
      }
    }
    pointStarts[pointCount] = lonB.length;
    const lons = lonB.finish();
    const lats = latB.finish();
    const owners = new Uint32Array(lons.length);
    for (let o = 0; o < pointCount; o++) owners.fill(o, pointStarts[o]!, pointStarts[o + 1]!);
    const order = new Uint32Array(lons.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => lats[a]! - lats[b]! || owners[a]! - owners[b]!);
    const byLatLat = new Float64Array(order.length);
    const byLatLon = new Float64Array(order.length);
    const byLatOffsets = new Uint32Array(order.length);
    order.forEach((i, k) => {
      byLatLat[k] = lats[i]!;
      byLatLon[k] = lons[i]!;
      byLatOffsets[k] = owners[i]!;
    });
    const { meta, shape, foreign } = finishCommon(
      formatJsonPath(key),
      schema,
      pointCount,
      shapeBuilder,
      captured,
    );
    return new GeoIndex(
      meta,
      shape,
      foreign,
      pointStarts,
      lons,
      lats,
      byLatLat,
      byLatLon,
      byLatOffsets,
    );
  }

  static load(bytes: Uint8Array): GeoIndex {
    return GeoIndex.fromSections(readSections(bytes));
  }

  static fromSections(sections: LoadedSections): GeoIndex {
    const { meta, shape, foreign } = loadCommon(sections);
    return new GeoIndex(
      meta,
      shape,
      foreign,
      sections.u32('points.starts'),
      sections.f64('points.lon'),
      sections.f64('points.lat'),
      sections.f64('by_lat.lat'),
      sections.f64('by_lat.lon'),
      sections.u32('by_lat.offsets'),
    );
  }

  protected writeSections(writer: SectionWriter): null {
    writer
      .add('points.starts', this.pointStarts)
      .add('points.lon', this.lons)
      .add('points.lat', this.lats)
      .add('by_lat.lat', this.byLatLat)
      .add('by_lat.lon', this.byLatLon)
      .add('by_lat.offsets', this.byLatOffsets);
    return null;
  }

  private query(condition: FieldCondition): GeoQuery | null {
    if (condition.geoRadius !== undefined) {
      return {
        predicate: geoRadiusPredicate(condition.geoRadius),
        band: latitudeBand({ kind: 'radius', geo: condition.geoRadius }),
      };
    }
    if (condition.geoBoundingBox !== undefined) {
      return {
        predicate: geoBoundingBoxPredicate(condition.geoBoundingBox),
        band: latitudeBand({ kind: 'box', geo: condition.geoBoundingBox }),
      };
    }
    if (condition.geoPolygon !== undefined) {
      return {
        predicate: geoPolygonPredicate(condition.geoPolygon),
        band: latitudeBand({ kind: 'polygon', geo: condition.geoPolygon }),
      };
    }
    return null;
  }

  /** Marks the points with a value satisfying the query; returns the bitset and the count. */
  private scanBand(q: GeoQuery): { bits: Uint8Array; count: number } {
    const from = lowerBound(this.byLatLat, q.band[0]);
    const to = lowerBound(this.byLatLat, q.band[1], true);
    const bits = bitsetFor(this.indexedPoints);
    let count = 0;
    for (let i = from; i < to; i++) {
      const o = this.byLatOffsets[i]!;
      if (!hasBit(bits, o) && q.predicate(this.byLatLon[i]!, this.byLatLat[i]!)) {
        bits[o >> 3]! |= 1 << (o & 7);
        count++;
      }
    }
    return { bits, count };
  }

  protected valueCheck(condition: FieldCondition): IndexedCheck | null {
    const q = this.query(condition);
    if (q === null) return null;
    const from = lowerBound(this.byLatLat, q.band[0]);
    const to = lowerBound(this.byLatLat, q.band[1], true);
    if (to - from <= this.indexedPoints / 4) {
      const { bits } = this.scanBand(q);
      return (o) => (hasBit(bits, o) ? YES : NO);
    }
    const starts = this.pointStarts;
    const lons = this.lons;
    const lats = this.lats;
    const predicate = q.predicate;
    return (o) => {
      for (let i = starts[o]!, end = starts[o + 1]!; i < end; i++)
        if (predicate(lons[i]!, lats[i]!)) return YES;
      return NO;
    };
  }

  protected valueEstimate(condition: FieldCondition): Estimate | null {
    const q = this.query(condition);
    return q === null ? null : exactly(this.scanBand(q).count);
  }

  protected valueEnumerable(condition: FieldCondition): boolean {
    return this.query(condition) !== null;
  }

  protected valueCandidates(condition: FieldCondition): Uint32Array | null {
    const q = this.query(condition);
    return q === null ? null : bitsetToOffsets(this.scanBand(q).bits, this.indexedPoints);
  }
}
