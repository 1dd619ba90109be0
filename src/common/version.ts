// Versions reported by the service. `QDRANT_API_VERSION` is the Qdrant REST API ringvec implements
// (reported in `GET /` as `version`, which @qdrant/js-client-rest checks for compatibility).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

export const QDRANT_API_VERSION = '1.19.0';

function readPackageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version?: string;
  };
  return pkg.version ?? '0.0.0';
}

export const RINGVEC_VERSION = readPackageVersion();
