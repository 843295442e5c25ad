/** docker-compose.yml as the compose tests read it (YAML merge keys resolved). */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

/** The repository root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface ComposeService {
  readonly image?: string;
  readonly command?: string | string[];
  readonly environment?: Record<string, string | number | boolean | null> | string[];
  readonly volumes?: string[];
  readonly stop_grace_period?: string;
  readonly healthcheck?: { readonly test?: string | string[] };
  readonly depends_on?: Record<string, { readonly condition?: string }> | string[];
}

export const compose = parse(readFileSync(resolve(root, "docker-compose.yml"), "utf8"), { merge: true }) as {
  services: Record<string, ComposeService>;
};

/** Services built from the Qingshan image, with their command as an argument list and their environment. */
export const qingshanServices = Object.entries(compose.services)
  .filter(([, s]) => s.image === "qingshan:local")
  .map(([name, s]) => ({
    name,
    command: typeof s.command === "string" ? s.command.split(/\s+/) : (s.command ?? []),
    env: Array.isArray(s.environment)
      ? Object.fromEntries(s.environment.map((e) => e.split("=", 2) as [string, string]))
      : (s.environment ?? {}),
  }));
