export * from "./air/index.ts";
export * from "./noi/index.ts";
export * from "./warning/index.ts";
export * from "./water/index.ts";
