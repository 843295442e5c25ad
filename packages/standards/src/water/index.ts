export type { SectionAssessment, SectionAssessmentInput } from "./assess.ts";
export {
  assessSection,
  DEFAULT_TARGET_CLASS,
  EXCEEDANCE_DECIMALS,
  WATER_ASSESSMENT_STANDARD,
} from "./assess.ts";
export type { TargetClass, WaterBody, WaterClass, WaterClassInfo, WaterStatus } from "./classes.ts";
export { WATER_CLASS_ORDER, WATER_CLASSES, waterClassNumber, waterStatus } from "./classes.ts";
export { classifyParameter } from "./classify.ts";
export type { ClassLimits, Gb3838Direction, Gb3838Item, Gb3838Role } from "./gb3838-table.ts";
export { ASSESSED_ITEM_COUNT, GB3838_ITEMS, gb3838Item } from "./gb3838-table.ts";
export type { MainPollutant } from "./main-pollutants.ts";
export { MAX_MAIN_POLLUTANTS, PRIORITY_POLLUTANTS } from "./main-pollutants.ts";
