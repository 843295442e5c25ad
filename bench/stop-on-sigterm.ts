/**
 * For the bench's child processes: on SIGTERM runs `stops` in reverse order (last started, first
 * stopped), then exits 0, or 1 with the error on stderr naming `what`.
 */
export function stopOnSigterm(stops: Array<() => Promise<void>>, what: string): void {
  process.once("SIGTERM", () => {
    (async () => {
      for (const stop of stops.reverse()) await stop();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${what} stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}
