// PreadBatchReader (no addon needed) through the shared BatchReader suite.

import { runBatchReaderSuite } from './batch-reader.common-case.js';
import { PreadBatchReader } from './pread-batch-reader.js';

runBatchReaderSuite('pread', (layout, options) => new PreadBatchReader(layout, options), {
  workerBackend: 'pread',
  direct: [false],
});
