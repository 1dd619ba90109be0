import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  geoBoundingBoxPredicate,
  geoPolygonPredicate,
  geoRadiusPredicate,
  haversineMeters,
  latitudeBand,
} from './geo.js';

test('haversine uses the mean Earth radius', () => {
  // One degree of latitude = R·π/180.
  assert.ok(Math.abs(haversineMeters(0, 0, 0, 1) - (6_371_008.8 * Math.PI) / 180) < 1e-6);
  const berlin = { lon: 13.413637435864272, lat: 52.52197645 };
  const near = geoRadiusPredicate({ center: { lon: 13.413637, lat: 52.521976 }, radius: 2000 });
  const miss = geoRadiusPredicate({ center: { lon: 20.423637, lat: 52.511 }, radius: 2000 });
  assert.equal(near(berlin.lon, berlin.lat), true);
  assert.equal(miss(berlin.lon, berlin.lat), false);
  assert.equal(geoRadiusPredicate({ center: { lon: 0, lat: 0 }, radius: 0 })(0, 0), false);
});

test('bounding boxes are strict and handle the antimeridian', () => {
  const box = geoBoundingBoxPredicate({
    topLeft: { lon: -1, lat: 1 },
    bottomRight: { lon: 1, lat: -1 },
  });
  assert.equal(box(-0.5, 0.5), true);
  assert.equal(box(1.5, 1.5), false);
  assert.equal(box(1, 0), false);
  const wrap = geoBoundingBoxPredicate({
    topLeft: { lon: 167.0, lat: 74.071028 },
    bottomRight: { lon: -66.885417, lat: 18.7763 },
  });
  assert.equal(wrap(-73.991516, 40.75798), true);
  assert.equal(wrap(13.41053, 52.52437), false);
});

test('polygons exclude their boundary and holes', () => {
  const square = [
    { lon: 0, lat: 0 },
    { lon: 10, lat: 0 },
    { lon: 10, lat: 10 },
    { lon: 0, lat: 10 },
    { lon: 0, lat: 0 },
  ];
  const hole = [
    { lon: 4, lat: 4 },
    { lon: 6, lat: 4 },
    { lon: 6, lat: 6 },
    { lon: 4, lat: 6 },
    { lon: 4, lat: 4 },
  ];
  const p = geoPolygonPredicate({ exterior: square, interiors: [hole] });
  assert.equal(p(1, 1), true);
  assert.equal(p(5, 5), false);
  assert.equal(p(4, 5), false);
  assert.equal(p(0, 5), false);
  assert.equal(p(10, 10), false);
  assert.equal(p(11, 5), false);
  assert.equal(geoPolygonPredicate({ exterior: square })(5, 5), true);
});

test('latitude band covers every radius match', () => {
  const geo = { center: { lon: 10, lat: 45 }, radius: 300_000 };
  const [south, north] = latitudeBand({ kind: 'radius', geo });
  const inside = geoRadiusPredicate(geo);
  for (let lat = 40; lat <= 50; lat += 0.001) {
    if (inside(10, lat)) assert.ok(lat >= south && lat <= north, String(lat));
  }
});
