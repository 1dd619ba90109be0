// `ringvec bench <name>`: each benchmark lives in bench/ and is registered here as a subcommand.

import type { Command } from 'commander';

export function registerBenchCommands(bench: Command): void {
  void bench;
}
