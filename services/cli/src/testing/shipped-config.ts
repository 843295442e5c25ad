import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Cleanups, tempDir } from "@qingshan/testkit/cleanups";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { repoRoot } from "./cli-process.ts";

/** Test support: the shipped configuration file (config/qingshan.yaml) with some sections replaced. */

/** The shipped configuration file, parsed. */
export function readShippedConfig(): Record<string, unknown> {
  return parseYaml(readFileSync(join(repoRoot, "config/qingshan.yaml"), "utf8")) as Record<string, unknown>;
}

/**
 * The shipped configuration with `sections` replaced, written as qingshan.yaml into a new temp data
 * directory (removed by a step pushed onto `cleanups`); the file and the directory.
 */
export function writeShippedConfig(
  cleanups: Cleanups,
  sections: Record<string, unknown>,
): { file: string; dataDir: string } {
  const dataDir = tempDir(cleanups, "qingshan-cli-");
  const file = join(dataDir, "qingshan.yaml");
  writeFileSync(file, stringifyYaml({ ...readShippedConfig(), ...sections }));
  return { file, dataDir };
}
