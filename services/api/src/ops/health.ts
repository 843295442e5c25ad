import type { FastifyInstance } from "fastify";
import type { ReadinessCheck } from "../deps.ts";

export interface CheckOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

/** Runs one check with a time limit; a throw or a timeout counts as not ready. */
async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  const attempt = (async (): Promise<CheckOutcome> => {
    try {
      const r = await check();
      if (typeof r === "boolean") return { ok: r, detail: r ? "ok" : "not ready" };
      return { ok: r.ok, detail: r.detail ?? (r.ok ? "ok" : "not ready") };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /healthz: the process is up. GET /readyz: every readiness check passes, else 503 with
 * `notReady` naming the failing ones.
 */
export function healthRoutes(
  app: FastifyInstance,
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number,
): void {
  app.get("/healthz", { schema: { summary: "Liveness", tags: ["ops"] } }, async function healthz() {
    return { status: "ok" };
  });
  app.get(
    "/readyz",
    { schema: { summary: "Readiness", tags: ["ops"] } },
    async function readyz(_request, reply) {
      const names = Object.keys(checks);
      const outcomes = await Promise.all(names.map((n) => runCheck(checks[n] as ReadinessCheck, timeoutMs)));
      const results = Object.fromEntries(names.map((n, i) => [n, outcomes[i]]));
      const notReady = names.filter((_, i) => !outcomes[i]?.ok);
      return reply
        .status(notReady.length === 0 ? 200 : 503)
        .send({ status: notReady.length === 0 ? "ready" : "not_ready", notReady, checks: results });
    },
  );
}
