// Types of air-annual.js for the unit tests (the browser loads the .js directly).
export type AnnualVerdict = "in_progress" | "insufficient_data" | "exceeds" | "within" | "no_limit";
export interface AnnualStatisticLike {
  value: number | null;
  limit?: { value: number } | null;
  validDays: number;
  sufficientData: boolean;
  exceedsLimit: boolean | null;
}
export function annualValueText(value: number | null | undefined, limit: number | null | undefined): string;
export function annualVerdict(
  statistic: Pick<AnnualStatisticLike, "sufficientData" | "exceedsLimit">,
  inProgress: boolean,
): AnnualVerdict;
export function annualCell(
  statistic: AnnualStatisticLike,
  context: { inProgress: boolean; elapsedDays: number },
): { value: string; exact: string; limit: string; verdict: AnnualVerdict; days: string };
