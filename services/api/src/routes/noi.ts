import { reportingIntervalOf, toBeijingIso } from "@qingshan/domain";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../deps.ts";
import { errorResponseSchema } from "../http/errors.ts";
import { checkPeriods, loadHours, requireStation } from "../http/load.ts";
import { respond } from "../http/respond.ts";
import { jsonOrCsv, noiGradeResponse } from "../http/response-schemas.ts";
import { noiQuery } from "../http/schemas.ts";
import { timeRange } from "../http/time-param.ts";
import { noiGrades } from "../series/noi-grade.ts";
import type { Every } from "../series/types.ts";
import { periodJson } from "./series.ts";

interface NoiQuery {
  station: string;
  from?: string;
  to?: string;
  period: Every;
  format?: "json" | "csv";
}

const COLUMNS = [
  "label",
  "start",
  "end",
  "value",
  "valid",
  "reason",
  "validCount",
  "totalCount",
  "grade",
  "grade_zh",
  "grade_en",
  "scheme",
  "gradeProvisional",
  "in_progress",
  "rule",
  "provisional",
] as const;

/** GET /noi/grade: negative-oxygen-ion grade of each period mean. */
export function noiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Querystring: NoiQuery }>(
    "/noi/grade",
    {
      schema: {
        summary: "Negative-oxygen-ion grade per period",
        // The grade tables are not verified against a standard text (negative-oxygen-ions.md §2).
        description:
          "Grade of the NOI period mean (ions/cm³). Validity minimums are the air-quality ones (GB 3095 Table 4, HJ 663) applied as a local rule, since no NOI standard sets them; the grade table (default QX/T 380-2017, four grades) is provisional until the bureau confirms it. A period that has not ended at request time (end > now) has inProgress=true (CSV: in_progress): its mean and grade are not final; completed periods have inProgress=false.",
        tags: ["noi"],
        querystring: noiQuery,
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
      checkPeriods(ctx, from, to, q.period);
      const hours = await loadHours(ctx, station, "noi", from, to, q.period);
      const results = noiGrades(
        hours,
        from,
        to,
        q.period,
        ctx.noiScheme,
        reportingIntervalOf(station, "noi"),
      ).map((p) => ({
        ...periodJson(p, now),
        grade: p.grade,
      }));
      const rows = results.map((r) => ({
        ...r,
        in_progress: r.inProgress,
        grade: r.grade?.grade,
        grade_zh: r.grade?.zh,
        grade_en: r.grade?.en,
        scheme: r.grade?.scheme,
        gradeProvisional: r.grade?.provisional,
      }));
      return respond(
        request,
        reply,
        {
          station: station.id,
          unit: "ions/cm³",
          period: q.period,
          from: toBeijingIso(from),
          to: toBeijingIso(to),
          results,
        },
        { filename: `noi-grade-${station.id}-${q.period}.csv`, columns: COLUMNS, rows },
      );
    },
  );
}
