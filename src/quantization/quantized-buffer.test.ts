import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuantizedBuffer } from './quantized-buffer.js';

function sample(): QuantizedBuffer {
  const buffer = QuantizedBuffer.allocate({ kind: 'test', dim: 3 }, [
    { name: 'a', bytes: 5 },
    { name: 'b', bytes: 16 },
    { name: 'empty', bytes: 0 },
  ]);
  buffer.u8('a', 5).set([1, 2, 3, 4, 5]);
  buffer.f32('b', 4).set([0.5, -1, 2, 3]);
  buffer.seal();
  return buffer;
}

describe('QuantizedBuffer', () => {
  it('lays sections out 64-byte aligned and round-trips them', () => {
    const original = sample();
    const copy = QuantizedBuffer.open(Buffer.from(original.bytes()));
    assert.equal(copy.meta.kind, 'test');
    assert.equal(copy.meta.dim, 3);
    assert.deepEqual([...copy.u8('a', 5)], [1, 2, 3, 4, 5]);
    assert.deepEqual([...copy.f32('b', 4)], [0.5, -1, 2, 3]);
    assert.equal(copy.u8('b', 16).byteOffset % 64, 0);
    assert.equal(copy.u8('empty', 0).length, 0);
    assert.equal(copy.byteLength % 64, 0);
  });

  it('uses a whole SharedArrayBuffer in place and copies anything else', () => {
    const original = sample();
    assert.equal(QuantizedBuffer.open(original.bytes()).buffer, original.buffer);
    const plain = new Uint8Array(original.byteLength);
    plain.set(original.bytes());
    const copied = QuantizedBuffer.open(plain);
    assert.ok(copied.buffer instanceof SharedArrayBuffer);
    assert.notEqual(copied.buffer, original.buffer);
    // A view into a larger buffer is copied too.
    const larger = new Uint8Array(new SharedArrayBuffer(original.byteLength + 64), 64);
    larger.set(original.bytes());
    assert.notEqual(QuantizedBuffer.open(larger).buffer, larger.buffer);
  });

  it('names what is wrong with bad input', () => {
    const bytes = sample().bytes();
    const expect = (input: Uint8Array, message: RegExp): void =>
      assert.throws(() => QuantizedBuffer.open(input), message);
    expect(new Uint8Array(0), /truncated: expected at least 32 header bytes, got 0/);
    expect(bytes.slice(0, bytes.length - 64), /truncated: expected \d+ bytes, got \d+/);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(longer, /length mismatch/);
    const version = bytes.slice();
    new DataView(version.buffer).setUint32(8, 2, true);
    expect(version, /header checksum mismatch/);
    const data = bytes.slice();
    data[QuantizedBuffer.open(bytes).u8('a', 5).byteOffset]! ^= 0xff;
    expect(data, /checksum mismatch: expected \d+, got \d+/);
    assert.doesNotThrow(() => QuantizedBuffer.open(data, { verify: false }));
    assert.throws(() => QuantizedBuffer.open(bytes).u8('missing', 1), /missing section 'missing'/);
    assert.throws(
      () => QuantizedBuffer.open(bytes).u8('a', 6),
      /section 'a': expected 6 bytes, got 5/,
    );
  });

  it('refuses a newer format version even with valid checksums', async () => {
    const { crc32 } = await import('node:zlib');
    const bytes = sample().bytes().slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 99, true);
    view.setUint32(28, crc32(bytes.subarray(0, 28)), true);
    assert.throws(
      () => QuantizedBuffer.open(bytes),
      /unsupported format version 99 \(expected 1\)/,
    );
  });
});
