/**
 * The API's error catalogue. Codes are stable and never reused; every error body has the shape
 * `{ error: { code, message, parameter?, received?, expected?, details? } }`.
 */
export const API_ERRORS = {
  "query.invalid": { status: 400, text: "a query parameter is missing or malformed" },
  "body.invalid": { status: 400, text: "the request body is not a wire payload" },
  "range.invalid": { status: 400, text: "the time range is empty or reversed" },
  "range.too_large": { status: 400, text: "the time range holds too many periods" },
  "observations.rejected": { status: 400, text: "no observation was accepted" },
  "station.unknown": { status: 404, text: "no station with this id is registered" },
  "alert.unknown": { status: 404, text: "no alert with this id" },
  "alert.resolved": { status: 409, text: "the alert is resolved and can no longer be acknowledged" },
  "route.not_found": { status: 404, text: "no such route" },
  "media.unsupported": { status: 415, text: "the body's content type is not supported" },
  "submit.unavailable": { status: 503, text: "this API instance does not accept observations" },
  "stream.unavailable": { status: 503, text: "this API instance has no bus to relay alerts from" },
  "rules.unavailable": { status: 503, text: "this API instance was started without the rules file" },
  not_ready: { status: 503, text: "a dependency is not ready" },
  internal: { status: 500, text: "unexpected server error" },
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  readonly code: ApiErrorCode;
  readonly message: string;
  readonly parameter?: string;
  readonly received?: unknown;
  readonly expected?: string;
  readonly details?: unknown;
}

/**
 * An error answered to the client with the status of its catalogue entry.
 *
 * @example
 * throw new ApiError("query.invalid", 'parameter "every" is "2h", expected one of 1h, 1d, 1mo',
 *   { parameter: "every", received: "2h", expected: "one of 1h, 1d, 1mo" });
 */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly body: ApiErrorBody;

  constructor(code: ApiErrorCode, message: string, extra: Omit<ApiErrorBody, "code" | "message"> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.body = { code, message, ...extra };
  }
}

/** A 400 naming the query parameter, the value received and what was expected. */
export function badParameter(parameter: string, received: unknown, expected: string): ApiError {
  const shown = received === undefined ? "missing" : `${JSON.stringify(received)}`;
  return new ApiError("query.invalid", `query parameter "${parameter}" is ${shown}, expected ${expected}`, {
    parameter,
    ...(received === undefined ? {} : { received }),
    expected,
  });
}

/** JSON schema of the error body, for the OpenAPI document. */
export const errorResponseSchema = {
  type: "object",
  description: "Error",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string", enum: Object.keys(API_ERRORS) },
        message: { type: "string" },
        parameter: { type: "string" },
        received: {},
        expected: { type: "string" },
        details: {},
      },
      required: ["code", "message"],
    },
  },
  required: ["error"],
} as const;
