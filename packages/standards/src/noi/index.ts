export type { NoiGradeResult } from "./grade.ts";
export { gradeNoi, gradeNoiWith, noiSchemeOf, validateNoiScheme } from "./grade.ts";
export type { NoiGrade, NoiScheme, NoiSchemeId } from "./schemes.ts";
export { DEFAULT_NOI_SCHEME, NOI_CANDIDATE_A, NOI_CANDIDATE_B, NOI_SCHEMES } from "./schemes.ts";
