/**
 * HJ 212-2017 data flags (Table 8). The standard defines the flags, not which ones count:
 * "only N enters statistics" is Qingshan's default and is configurable.
 */
export const DATA_FLAGS = ["N", "F", "M", "S", "D", "C", "T", "B"] as const;
export type DataFlag = (typeof DATA_FLAGS)[number];

export const DATA_FLAG_MEANINGS: Readonly<Record<DataFlag, { zh: string; en: string }>> = Object.freeze({
  N: { zh: "正常", en: "normal" },
  F: { zh: "停运", en: "instrument stopped" },
  M: { zh: "维护", en: "maintenance" },
  S: { zh: "手工输入的设定值", en: "manually entered set value" },
  D: { zh: "故障", en: "instrument fault" },
  C: { zh: "校准", en: "calibration" },
  T: { zh: "超测上限", en: "above the measuring upper limit" },
  B: { zh: "通讯异常", en: "communication abnormal" },
});

/** Default set of flags whose values enter statistics. */
export const DEFAULT_VALID_FLAGS: readonly DataFlag[] = ["N"];

export function isValidForStatistics(
  flag: DataFlag,
  validFlags: readonly DataFlag[] = DEFAULT_VALID_FLAGS,
): boolean {
  return validFlags.includes(flag);
}
