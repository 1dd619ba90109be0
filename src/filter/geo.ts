// Geometry of the geo conditions, with Qdrant's semantics (lib/segment/src/types.rs, which uses
// the `geo` crate): haversine distance on a sphere of the mean Earth radius, strict inequalities
// for bounding boxes (with antimeridian crossing when top_left.lon > bottom_right.lon), and
// polygons that contain a point only strictly inside (a point on an edge of the exterior or of a
// hole is not contained). Coordinates are degrees.

import type { GeoBoundingBox, GeoPolygon, GeoRadius } from './filter-types.js';

/** Mean Earth radius in meters (IUGG), the `geo` crate's default for Haversine. */
export const EARTH_RADIUS_M = 6_371_008.8;

const RAD = Math.PI / 180;

/** Great-circle distance in meters between two (lon, lat) points. */
export function haversineMeters(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const theta1 = lat1 * RAD;
  const theta2 = lat2 * RAD;
  const dTheta = (lat2 - lat1) * RAD;
  const dLambda = (lon2 - lon1) * RAD;
  const s1 = Math.sin(dTheta / 2);
  const s2 = Math.sin(dLambda / 2);
  const a = s1 * s1 + Math.cos(theta1) * Math.cos(theta2) * s2 * s2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

export type GeoPredicate = (lon: number, lat: number) => boolean;

export function geoRadiusPredicate(geo: GeoRadius): GeoPredicate {
  const { lon: clon, lat: clat } = geo.center;
  const radius = geo.radius;
  return (lon, lat) => haversineMeters(clon, clat, lon, lat) < radius;
}

export function geoBoundingBoxPredicate(box: GeoBoundingBox): GeoPredicate {
  const left = box.topLeft.lon;
  const right = box.bottomRight.lon;
  const top = box.topLeft.lat;
  const bottom = box.bottomRight.lat;
  if (left > right) {
    return (lon, lat) => (lon > left || lon < right) && bottom < lat && lat < top;
  }
  return (lon, lat) => left < lon && lon < right && bottom < lat && lat < top;
}

type Ring = Float64Array; // x0, y0, x1, y1, … (lon, lat), closed (first == last)

function toRing(points: GeoPolygon['exterior']): Ring {
  const ring = new Float64Array(points.length * 2);
  points.forEach((p, i) => {
    ring[i * 2] = p.lon;
    ring[i * 2 + 1] = p.lat;
  });
  return ring;
}

const OUTSIDE = 0;
const INSIDE = 1;
const BOUNDARY = 2;

/** Position of (x, y) relative to a closed ring: crossing number plus an exact on-edge test. */
function ringPosition(ring: Ring, x: number, y: number): number {
  let inside = false;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[i * 2]!;
    const yi = ring[i * 2 + 1]!;
    const xj = ring[j * 2]!;
    const yj = ring[j * 2 + 1]!;
    // On the segment (j, i)?
    const cross = (xi - xj) * (y - yj) - (yi - yj) * (x - xj);
    if (
      cross === 0 &&
      x >= Math.min(xi, xj) &&
      x <= Math.max(xi, xj) &&
      y >= Math.min(yi, yj) &&
      y <= Math.max(yi, yj)
    ) {
      return BOUNDARY;
    }
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? INSIDE : OUTSIDE;
}

export function geoPolygonPredicate(polygon: GeoPolygon): GeoPredicate {
  const exterior = toRing(polygon.exterior);
  const holes = (polygon.interiors ?? []).map(toRing);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < exterior.length; i += 2) {
    minX = Math.min(minX, exterior[i]!);
    maxX = Math.max(maxX, exterior[i]!);
    minY = Math.min(minY, exterior[i + 1]!);
    maxY = Math.max(maxY, exterior[i + 1]!);
  }
  return (lon, lat) => {
    if (lon < minX || lon > maxX || lat < minY || lat > maxY) return false;
    if (ringPosition(exterior, lon, lat) !== INSIDE) return false;
    for (const hole of holes) {
      if (ringPosition(hole, lon, lat) !== OUTSIDE) return false;
    }
    return true;
  };
}

/** Latitude band [south, north] that can contain matches, for index scans and estimates. */
export function latitudeBand(
  condition:
    | { kind: 'radius'; geo: GeoRadius }
    | { kind: 'box'; geo: GeoBoundingBox }
    | { kind: 'polygon'; geo: GeoPolygon },
): [number, number] {
  if (condition.kind === 'box') return [condition.geo.bottomRight.lat, condition.geo.topLeft.lat];
  if (condition.kind === 'polygon') {
    let south = Infinity;
    let north = -Infinity;
    for (const p of condition.geo.exterior) {
      south = Math.min(south, p.lat);
      north = Math.max(north, p.lat);
    }
    return [south, north];
  }
  // Distance along a meridian is R·Δφ exactly; widen by a hair for rounding.
  const deltaDeg = (condition.geo.radius / EARTH_RADIUS_M / RAD) * (1 + 1e-9) + 1e-9;
  return [condition.geo.center.lat - deltaDeg, condition.geo.center.lat + deltaDeg];
}
