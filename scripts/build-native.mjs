#!/usr/bin/env node
// Builds the optional native addon (native/build/Release/ringvec.node) with node-gyp. It runs as
// the package's `install` script, so it must never make `npm install` fail: on any failure it
// prints one warning line (what failed, that ringvec runs on TypeScript fallbacks, how to fix it)
// and exits 0. RINGVEC_SKIP_NATIVE_BUILD=1 skips the build.
//
// node-gyp comes from npm itself (npm_config_node_gyp when run by npm, else the copy bundled next
// to the npm in use), so no dependency is added; `npx --yes node-gyp` is the last resort.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(root, 'native');
const FIX =
  'install a C toolchain (Debian/Ubuntu: apt-get install build-essential python3) and run `npm rebuild ringvec`';

function warn(what) {
  console.warn(
    `ringvec: native addon not built (${what}); ringvec runs with TypeScript fallbacks (no io_uring, slower kernels). To fix: ${FIX}.`,
  );
  process.exit(0);
}

if (process.env.RINGVEC_SKIP_NATIVE_BUILD === '1') {
  console.log('ringvec: RINGVEC_SKIP_NATIVE_BUILD=1, skipping the native addon build');
  process.exit(0);
}
if (!existsSync(join(nativeDir, 'binding.gyp'))) warn('native/binding.gyp is missing');

/** [command, args prefix] for node-gyp, most specific first. */
function locateNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  const candidates = [];
  const npmCli = process.env.npm_execpath;
  if (npmCli)
    candidates.push(join(dirname(dirname(npmCli)), 'node_modules/node-gyp/bin/node-gyp.js'));
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8', shell: false });
  if (npmRoot.status === 0) {
    const globalRoot = npmRoot.stdout.trim();
    candidates.push(join(globalRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'));
    candidates.push(join(globalRoot, 'node-gyp/bin/node-gyp.js'));
  }
  const besideNode = join(dirname(dirname(process.execPath)), 'lib/node_modules/npm/node_modules');
  candidates.push(join(besideNode, 'node-gyp/bin/node-gyp.js'));
  for (const candidate of candidates) {
    if (existsSync(candidate)) return [process.execPath, [candidate]];
  }
  return ['npx', ['--yes', 'node-gyp']];
}

/**
 * Without a configured nodedir node-gyp downloads headers, which fails offline. A distro Node
 * ships them under <prefix>/include/node, so use those when nothing else is configured.
 */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include/node/node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [command, prefix] = locateNodeGyp();
const result = spawnSync(command, [...prefix, 'rebuild', '--release', ...nodedirArgs()], {
  cwd: nativeDir,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: process.env,
});
if (result.error) warn(`could not run node-gyp: ${result.error.message}`);
if (result.status !== 0) {
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const firstError =
    log
      .split('\n')
      .find((line) => /error|not found|No such file/i.test(line) && !/^gyp info/.test(line))
      ?.trim() ?? `node-gyp exited with status ${result.status}`;
  if (process.env.RINGVEC_NATIVE_BUILD_VERBOSE === '1') console.warn(log);
  warn(`node-gyp rebuild failed: ${firstError.slice(0, 200)}`);
}
if (!existsSync(join(nativeDir, 'build/Release/ringvec.node'))) {
  warn('node-gyp succeeded but native/build/Release/ringvec.node is missing');
}
console.log('ringvec: native addon built (native/build/Release/ringvec.node)');
