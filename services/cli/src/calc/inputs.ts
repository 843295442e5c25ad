import { AQI_INDICATORS } from "@qingshan/standards";
import { z } from "zod";

const indicator = z.enum(AQI_INDICATORS);

const concentration = z.number().finite().nonnegative().nullable();

export const AqiCaseSchema = z.strictObject({
  standard: z.enum(["HJ633-2012", "HJ633-2026"]).optional(),
  date: z.iso.date().optional(),
  period: z.enum(["hour", "day"]),
  concentrations: z.partialRecord(indicator, concentration),
  options: z
    .strictObject({
      pmRealtimeBasis2012: z.enum(["rolling24h", "hourly"]).optional(),
      concentrationRounding2026: z.enum(["half-even", "truncate"]).optional(),
    })
    .optional(),
});

const waterClass = z.enum(["I", "II", "III", "IV", "V"]);

export const WaterCaseSchema = z.strictObject({
  waterBody: z.enum(["river", "lake"]),
  targetClass: waterClass.optional(),
  values: z.record(z.string(), z.number().finite().nonnegative()),
});

export const NoiCaseSchema = z.strictObject({
  noi: z.number().finite().nonnegative(),
  scheme: z.enum(["candidate-a", "candidate-b"]).optional(),
});

export const Hj212CaseSchema = z.strictObject({ packet: z.string() });

/** The keys an object at a path accepts, for the message of an unknown key there. */
export const VALID_KEYS: Readonly<Record<string, readonly string[]>> = {
  concentrations: AQI_INDICATORS,
};

/** "path: message (received …)" for each zod issue; an unknown key lists the valid ones. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join(".") : "(line)";
      const input = (issue as { input?: unknown }).input;
      const received = input === undefined ? "" : ` (received ${JSON.stringify(input)})`;
      const valid = issue.code === "unrecognized_keys" ? VALID_KEYS[path] : undefined;
      const expected = valid ? `; valid keys: ${valid.join(", ")}` : "";
      return `${path}: ${issue.message}${received}${expected}`;
    })
    .join("; ");
}
