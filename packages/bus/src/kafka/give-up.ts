/**
 * Waits for `work` until the clock reaches `giveUpAt` (a `Date.now()` time), then stops waiting:
 * resolves when `work` settles or at `giveUpAt`, whichever comes first, and never rejects. Its
 * timer is cleared as soon as `work` settles, so nothing of it outlives the wait. A rejection of
 * `work`, before or after the wait ended, is passed to `warn` (never left unhandled); giving up is
 * too.
 *
 * @example
 * await settleBy(consumer.disconnect(), Date.now() + 5_000, 'the consumer of group "writer"', warn);
 */
export async function settleBy(
  work: Promise<unknown>,
  giveUpAt: number,
  what: string,
  warn: (message: string) => void,
): Promise<void> {
  let gaveUp = false;
  const settled = work.then(
    () => "settled" as const,
    (error: unknown) => {
      const when = gaveUp ? " after stop gave up waiting for it" : "";
      warn(`${what} failed${when}: ${error instanceof Error ? error.message : String(error)}`);
      return "settled" as const;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"gave up">((resolve) => {
    timer = setTimeout(() => resolve("gave up"), Math.max(0, giveUpAt - Date.now()));
  });
  const outcome = await Promise.race([settled, deadline]);
  clearTimeout(timer);
  if (outcome === "gave up") {
    gaveUp = true;
    warn(`gave up waiting for ${what}`);
  }
}
