import { reportingIntervalOf, toBeijingIso } from "@qingshan/domain";
import { NOI_SCHEMES, type NoiScheme } from "@qingshan/standards";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { badParameter, errorResponseSchema } from "../http/errors.ts";
import { checkPeriods, loadHours, requireStation } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, noiGradeResponse } from "../http/response-schemas.ts";
import { noiQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { type NoiPeriodStep, noiGrades, noiYearSpan } from "../series/noi-grade.ts";
import { PERIOD_COLUMNS, periodJson } from "./series.ts";

interface NoiQuery {
  station: string;
  from?: string;
  to?: string;
  period: NoiPeriodStep;
  scheme?: string;
  format?: "json" | "csv";
}

const COLUMNS = [
  ...PERIOD_COLUMNS,
  "grade",
  "grade_zh",
  "grade_en",
  "scheme",
  "gradeProvisional",
  "in_progress",
  "rule",
  "provisional",
] as const;

/** The tables a request may name: the shipped ones and the one in force (a configured table). */
function selectableSchemes(inForce: NoiScheme): ReadonlyMap<string, NoiScheme> {
  const tables = new Map<string, NoiScheme>(Object.values(NOI_SCHEMES).map((t) => [t.id, t]));
  tables.set(inForce.id, inForce);
  return tables;
}

/** The grade table as an answer states it (every answer says which table and whether provisional). */
function schemeJson(table: NoiScheme, inForce: NoiScheme) {
  return {
    id: table.id,
    ...(table.title ? { title: table.title } : {}),
    source: table.source,
    provisional: table.provisional,
    inForce: table === inForce,
  };
}

/** GET /noi/grade: negative-oxygen-ion grade of each period mean. */
export function noiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const schemes = selectableSchemes(ctx.noiScheme);
  app.get<{ Querystring: NoiQuery }>(
    "/noi/grade",
    {
      schema: {
        summary: "Negative-oxygen-ion grade per period",
        // The grade tables are not verified against a standard text (negative-oxygen-ions.md §2).
        description: `Grade of the NOI period mean (ions/cm³): hourly, daily, monthly, or annual (period=1y: the Beijing calendar year, the mean of its valid daily means). Validity minimums are the air-quality ones (GB 3095 Table 4, HJ 663) applied as a local rule, since no NOI standard sets them: 20 valid hours a day, 27 valid days a month (25 in February), 324 valid days a year. The grade table is the one in force (${ctx.noiScheme.id}: ${ctx.noiScheme.source}), which the NOI alerts use too, unless \`scheme\` names another; \`scheme\` in the answer (CSV: the scheme and gradeProvisional columns on every row) says which table and whether it is provisional — every table is until the bureau confirms one. A period that has not ended at request time (end > now) has inProgress=true (CSV: in_progress): its mean and grade are not final; completed periods have inProgress=false.`,
        tags: ["noi"],
        querystring: noiQuery([...schemes.keys()], ctx.noiScheme.id),
        response: {
          200: jsonOrCsv("The mean and grade of each period", noiGradeResponse, COLUMNS),
          400: errorResponseSchema,
          404: errorResponseSchema,
        },
      },
    },
    async function getNoiGrade(request, reply) {
      const q = request.query;
      const station = requireStation(ctx, q.station, "noi");
      const now = ctx.now();
      const { from, to } = timeRange(q, now, 86_400_000);
      const table = q.scheme === undefined ? ctx.noiScheme : schemes.get(q.scheme);
      // The schema's enum refuses other names already; this keeps the type honest.
      if (table === undefined)
        throw badParameter("scheme", q.scheme, `one of ${[...schemes.keys()].join(", ")}`);
      // A year's mean is taken from its daily means: the query covers the days of whole years.
      const span = q.period === "1y" ? noiYearSpan(from, to) : { from, to };
      const step = q.period === "1y" ? "1d" : q.period;
      checkPeriods(ctx, span.from, span.to, step);
      const hours = await loadHours(ctx, station, "noi", span.from, span.to, step);
      const results = noiGrades(hours, from, to, q.period, table, reportingIntervalOf(station, "noi")).map(
        (p) => ({
          ...periodJson(p, now),
          grade: p.grade,
        }),
      );
      const rows = results.map((r) => ({
        ...r,
        in_progress: r.inProgress,
        grade: r.grade?.grade,
        grade_zh: r.grade?.zh,
        grade_en: r.grade?.en,
        scheme: table.id,
        gradeProvisional: table.provisional,
      }));
      return respond(
        request,
        reply,
        {
          station: station.id,
          unit: "ions/cm³",
          period: q.period,
          scheme: schemeJson(table, ctx.noiScheme),
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          results,
        },
        { filename: `noi-grade-${station.id}-${q.period}.csv`, columns: COLUMNS, rows },
      );
    },
  );
}
