// Runs the `ringvec` command from whichever folder this file was compiled into (dist/, or a
// private outDir such as .tmp/bench), so benchmarks start `ringvec serve` children from the same
// build as themselves — bin/ringvec.js always runs dist/.
//
//   node <outDir>/bench/lib/ringvec-runner.js serve | bench <name> …

import { main } from '../../src/cli/main.js';

await main(process.argv);
