// The `ringvec` command: `ringvec serve` runs the server (what `npm start` runs); `ringvec bench`
// runs the benchmarks. Each subcommand has --help.

import { Command } from 'commander';
import { logger } from '../common/logger.js';
import { RINGVEC_VERSION } from '../common/version.js';
import { ConfigError, loadConfig } from '../server/load-config.js';
import { startServer } from '../server/server.js';

async function serve(options: { configPath?: string }): Promise<void> {
  let config;
  try {
    config = loadConfig({ configPath: options.configPath });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`ringvec: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const server = await startServer(config);
  const log = logger('server');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting immediately');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'received signal');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('ringvec')
    .description(
      'A Qdrant-compatible vector search engine that reads on-disk vectors with io_uring',
    )
    .version(RINGVEC_VERSION);

  program
    .command('serve')
    .description('start the server (storage ./storage, HTTP port 6333 unless configured)')
    .option(
      '--config-path <file>',
      'YAML configuration file (Qdrant format) layered over the defaults',
    )
    .addHelpText(
      'after',
      '\nEvery setting can also be set by environment: RINGVEC__SECTION__KEY=value\n(e.g. RINGVEC__SERVICE__HTTP_PORT=7000, RINGVEC__STORAGE__PERFORMANCE__ASYNC_SCORER=true);\nQDRANT__SECTION__KEY works too, for drop-in use.',
    )
    .action(serve);

  const bench = program.command('bench').description('run benchmarks (see docs/benchmarks.md)');
  bench.action(() => {
    bench.help();
  });
  const { registerBenchCommands } = await import('./bench-commands.js');
  registerBenchCommands(bench);

  await program.parseAsync(argv);
}
