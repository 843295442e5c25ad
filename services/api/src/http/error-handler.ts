import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { unknownParameterError, unknownParameters } from "./closed-query.ts";
import { ApiError, badParameter } from "./errors.ts";
import { PATTERN_EXPECTED } from "./schemas.ts";

interface AjvIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

function expectedOf(issue: AjvIssue): string {
  const p = issue.params;
  switch (issue.keyword) {
    case "enum":
      return `one of ${(p.allowedValues as unknown[]).join(", ")}`;
    case "type":
      return `${p.type === "integer" ? "an integer" : p.type === "boolean" ? "true or false" : `a ${String(p.type)}`}`;
    case "minimum":
      return `a number ≥ ${String(p.limit)}`;
    case "maximum":
      return `a number ≤ ${String(p.limit)}`;
    case "minLength":
      return p.limit === 1 ? "a non-empty value" : `at least ${String(p.limit)} characters`;
    case "maxLength":
      return `at most ${String(p.limit)} characters`;
    case "pattern":
      return PATTERN_EXPECTED.get(String(p.pattern)) ?? `text matching ${String(p.pattern)}`;
    case "required":
      return "a value (the parameter is required)";
    default:
      return issue.message ?? "a valid value";
  }
}

/**
 * Turns a Fastify/Ajv validation failure into a 400 naming the parameter, value and expectation.
 * A query parameter the route does not declare is named first, whatever else failed: a misnamed
 * parameter (`every` on /aqi) is the likelier cause of the rest (a required one "missing").
 */
export function validationError(error: FastifyError, request: FastifyRequest): ApiError {
  if (error.validationContext === "querystring") {
    const { unknown, declared } = unknownParameters(request);
    if (unknown.length > 0) return unknownParameterError(request, unknown, declared);
  }
  const issue = (error.validation?.[0] ?? { keyword: "", instancePath: "", params: {} }) as AjvIssue;
  if (issue.keyword === "additionalProperties" && typeof issue.params.additionalProperty === "string") {
    // Not found in the URL as parsed above (should not happen): still name it.
    const { declared } = unknownParameters(request);
    return unknownParameterError(request, [issue.params.additionalProperty], declared);
  }
  const parameter =
    typeof issue.params.missingProperty === "string"
      ? issue.params.missingProperty
      : issue.instancePath.replace(/^\//, "").split("/")[0] || (error.validationContext ?? "request");
  let received: unknown;
  if (error.validationContext === "querystring") {
    const all = new URL(request.url, "http://localhost").searchParams.getAll(parameter);
    received = all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
  } else if (error.validationContext === "params") {
    received = (request.params as Record<string, unknown>)[parameter];
  }
  return badParameter(parameter, received, expectedOf(issue));
}

/**
 * The app's error handler: catalogue errors keep their status and body; validation failures
 * become `query.invalid`; Fastify client errors (4xx) keep their status; anything else is a 500
 * whose detail goes to the log only.
 */
export function errorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.validation) {
    const apiError = validationError(error, request);
    return reply.status(apiError.status).send({ error: apiError.body });
  }
  if (error instanceof ApiError) return reply.status(error.status).send({ error: error.body });
  const status = error.statusCode ?? 500;
  if (status === 415) {
    return reply.status(415).send({ error: { code: "media.unsupported", message: error.message } });
  }
  if (status >= 400 && status < 500) {
    return reply.status(status).send({ error: { code: "body.invalid", message: error.message } });
  }
  request.log.error({ err: error }, "request failed");
  return reply.status(500).send({ error: { code: "internal", message: "unexpected server error" } });
}
