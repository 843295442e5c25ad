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

const checkOutcomeSchema = {
  type: "object",
  properties: { ok: { type: "boolean" }, detail: { type: "string" } },
  required: ["ok", "detail"],
} as const;

const readinessSchema = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["ready", "not_ready"] },
    notReady: { type: "array", items: { type: "string" }, description: "Names of the failing checks" },
    checks: {
      type: "object",
      additionalProperties: checkOutcomeSchema,
      description: "Outcome of every check by name (store, mqtt, …)",
    },
  },
  required: ["status", "notReady", "checks"],
} as const;

/**
 * GET /healthz: the process is up. GET /readyz: every readiness check passes, else 503 with
 * `notReady` naming the failing ones. Registered as a plugin so the OpenAPI document lists both.
 */
export function healthRoutes(
  app: FastifyInstance,
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs: number,
): void {
  app.register(async function health(scope) {
    scope.get(
      "/healthz",
      {
        schema: {
          summary: "Liveness",
          description: "Answers 200 while the process serves HTTP; checks no dependency.",
          tags: ["ops"],
          response: {
            200: {
              description: "The process is up",
              type: "object",
              properties: { status: { type: "string", enum: ["ok"] } },
              required: ["status"],
            },
          },
        },
      },
      async function healthz() {
        return { status: "ok" };
      },
    );
    scope.get(
      "/readyz",
      {
        schema: {
          summary: "Readiness",
          description: `Runs every readiness check (the store and the configured dependencies), each limited to ${timeoutMs} ms; 503 when any fails or does not answer in time.`,
          tags: ["ops"],
          response: {
            200: { ...readinessSchema, description: "Every check passed" },
            503: { ...readinessSchema, description: "At least one check failed; `notReady` names them" },
          },
        },
      },
      async function readyz(_request, reply) {
        const names = Object.keys(checks);
        const outcomes = await Promise.all(
          names.map((n) => runCheck(checks[n] as ReadinessCheck, timeoutMs)),
        );
        const results = Object.fromEntries(names.map((n, i) => [n, outcomes[i]]));
        const notReady = names.filter((_, i) => !outcomes[i]?.ok);
        return reply
          .status(notReady.length === 0 ? 200 : 503)
          .send({ status: notReady.length === 0 ? "ready" : "not_ready", notReady, checks: results });
      },
    );
  });
}
