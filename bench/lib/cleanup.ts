// Things a benchmark must undo however it ends (child servers, temporary storage): registered
// here and run on normal exit, on an uncaught error and on SIGINT/SIGTERM (then exit 130/143).

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
let installed = false;

function runAll(): void {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // best effort: keep undoing the rest
    }
  }
  cleanups.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping child servers and removing temporary files\n`);
      runAll();
      process.exit(code);
    });
  }
}

/** Registers a synchronous cleanup; the returned function unregisters it (after doing it yourself). */
export function onExit(cleanup: Cleanup): () => void {
  install();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}
