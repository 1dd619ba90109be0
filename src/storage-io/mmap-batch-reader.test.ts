// MmapBatchReader through the shared BatchReader suite.

import { test } from 'node:test';
import { loadAddon } from '../native/addon.js';
import { runBatchReaderSuite } from './batch-reader.common-case.js';
import { MmapBatchReader } from './mmap-batch-reader.js';

if (loadAddon() === null) {
  test('mmap backend', (t) => t.skip('needs the native addon'));
} else {
  runBatchReaderSuite('mmap', (layout) => new MmapBatchReader(layout), {
    workerBackend: 'mmap',
    direct: [false],
  });
}
