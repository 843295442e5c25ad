import { readFileSync } from "node:fs";
import type { StationRegistry } from "@qingshan/domain";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { type Rule, rulesFileSchema } from "./schema.ts";

/** A rules file that cannot be used; `problems` has one line per error, each naming file, rule and field. */
export class RulesError extends Error {
  readonly code = "rules.invalid";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join("\n"));
    this.name = "RulesError";
  }
}

export interface LoadRulesOptions {
  /** When given, station ids in appliesTo.stations must exist in it. */
  readonly registry?: StationRegistry;
}

/**
 * Parses and validates a rules file's YAML text. Throws RulesError whose lines read
 * `FILE: rule "ID": FIELD.PATH: problem`.
 *
 * @example
 * parseRules("rules:\n  - id: x\n    window: 2h\n", "config/rules.yaml")
 * // RulesError: config/rules.yaml: rule "x": window: expected one of 1h, 8h, 24h, day, month, year-to-date, latest, received "2h" …
 */
export function parseRules(text: string, file: string, options: LoadRulesOptions = {}): readonly Rule[] {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) {
    throw new RulesError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${file}:${pos ? `${pos.line}:${pos.col}` : ""} YAML: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 1000 });
  const parsed = rulesFileSchema.safeParse(raw);
  if (!parsed.success) throw new RulesError(file, formatIssues(parsed.error.issues, raw, file));
  const rules = parsed.data.rules;
  const problems: string[] = [];
  if (options.registry !== undefined) {
    for (const rule of rules) {
      rule.appliesTo.stations?.forEach((id, i) => {
        const station = options.registry?.get(id);
        if (station === undefined)
          problems.push(`${file}: rule "${rule.id}": appliesTo.stations[${i}]: unknown station "${id}"`);
        else if (![rule.appliesTo.kind].flat().includes(station.kind))
          problems.push(
            `${file}: rule "${rule.id}": appliesTo.stations[${i}]: station "${id}" is ${station.kind}, the rule applies to ${[rule.appliesTo.kind].flat().join(", ")}`,
          );
      });
    }
  }
  if (problems.length > 0) throw new RulesError(file, problems);
  return Object.freeze(rules.map((r) => Object.freeze(r)));
}

/**
 * Reads and validates a rules file (see parseRules).
 *
 * @example
 * const rules = loadRulesFile("config/rules.yaml", { registry });
 */
export function loadRulesFile(path: string, options: LoadRulesOptions = {}): readonly Rule[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new RulesError(path, [`${path}: cannot read the rules file: ${(error as Error).message}`]);
  }
  return parseRules(text, path, options);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * A union's "Invalid input" replaced by the problems of its one branch of the input's type (the
 * others failed on the type itself), e.g. threshold.gb3095.grade instead of threshold; a union
 * with its own message keeps it.
 */
function expandUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((i) => {
    if (i.code !== "invalid_union" || i.message !== "Invalid input") return [i];
    const typed = i.errors.filter(
      (branch) => !branch.every((e) => e.code === "invalid_type" && e.path.length === 0),
    );
    const [branch] = typed;
    if (typed.length !== 1 || branch === undefined) return [i];
    return expandUnions(branch.map((e) => ({ ...e, path: [...i.path, ...e.path] })));
  });
}

function formatIssues(issues: readonly z.core.$ZodIssue[], raw: unknown, file: string): string[] {
  const rulesRaw = (raw as { rules?: unknown } | null)?.rules;
  return expandUnions(issues).map((i) => {
    const [first, index, ...rest] = i.path;
    const message =
      i.code === "unrecognized_keys"
        ? `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(", ")}`
        : i.message;
    if (first === "rules" && typeof index === "number") {
      const id = Array.isArray(rulesRaw) ? (rulesRaw[index] as { id?: unknown } | undefined)?.id : undefined;
      const name = typeof id === "string" ? `rule "${id}"` : `rules[${index}]`;
      const field = formatPath(rest);
      return `${file}: ${name}: ${field === "" ? "" : `${field}: `}${message}`;
    }
    const field = formatPath(i.path);
    return `${file}: ${field === "" ? "" : `${field}: `}${message}`;
  });
}
