import { createHash } from "node:crypto";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DATA_FLAGS, METRIC_IDS, READING_SOURCES, type Reading } from "@qingshan/domain";
import { StoreError } from "../errors.ts";
import { sqlString } from "./sql-literals.ts";

/** The text columns of readings whose values are fixed sets of the domain. */
export type EnumDomain = "metric" | "flag" | "source";

/** The ENUM type in force for one domain: its SQL name and its values. */
export interface EnumType {
  readonly name: string;
  readonly values: ReadonlySet<string>;
}

export type EnumTypes = Readonly<Record<EnumDomain, EnumType>>;

/** Type names are `<base>_<8 hex digits of the values' hash>`, so a changed value set gets a new name. */
const DOMAINS: Readonly<Record<EnumDomain, { base: string; values: readonly string[] }>> = {
  metric: { base: "metric_id", values: METRIC_IDS },
  flag: { base: "data_flag", values: DATA_FLAGS },
  source: { base: "reading_source", values: READING_SOURCES },
};

/** Every column stored as an ENUM, by domain. */
export const ENUM_COLUMNS: readonly { table: string; column: string; domain: EnumDomain }[] = [
  { table: "readings", column: "metric", domain: "metric" },
  { table: "readings", column: "flag", domain: "flag" },
  { table: "readings", column: "source", domain: "source" },
  { table: "latest", column: "metric", domain: "metric" },
  { table: "latest", column: "flag", domain: "flag" },
  { table: "latest", column: "source", domain: "source" },
  { table: "hourly", column: "metric", domain: "metric" },
];

const OWN_TYPES_SQL =
  "SELECT type_name FROM duckdb_types() WHERE database_name = current_database() AND schema_name = 'main' AND logical_type = 'ENUM'";
const OWN_TYPE_NAME = /^(metric_id|data_flag|reading_source)_[0-9a-f]{8}$/;

/** Byte order of the UTF-8 encodings, which is how DuckDB orders VARCHAR. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * The ENUM type of `values`: sorted in VARCHAR order, so ORDER BY on the column gives the order it
 * gave as VARCHAR (and a build that still reads the columns as text sorts them the same way).
 */
export function enumTypeOf(base: string, values: Iterable<string>): { name: string; labels: string[] } {
  const labels = [...new Set(values)].sort(byteOrder);
  const hash = createHash("sha256").update(JSON.stringify(labels)).digest("hex").slice(0, 8);
  return { name: `${base}_${hash}`, labels };
}

/**
 * Each domain's type: its values plus the `stored` ones (none: the types of a new file). A type's
 * `values` are its labels in order.
 */
export function domainEnumTypes(stored?: Readonly<Record<EnumDomain, Iterable<string>>>): EnumTypes {
  const types = {} as Record<EnumDomain, EnumType>;
  for (const domain of Object.keys(DOMAINS) as EnumDomain[]) {
    const { base, values } = DOMAINS[domain];
    const { name, labels } = enumTypeOf(base, [...values, ...(stored?.[domain] ?? [])]);
    types[domain] = { name, values: new Set(labels) };
  }
  return types;
}

/**
 * Throws store.reading_invalid when a reading's metric, flag or source is not a value of the
 * file's ENUMs (domain validation upstream makes this impossible; DuckDB would only report a
 * failed cast).
 */
export function checkEnumValues(reading: Reading, index: number, types: EnumTypes): void {
  for (const domain of ["metric", "flag", "source"] as const) {
    const value: unknown = reading[domain];
    if (typeof value === "string" && types[domain].values.has(value)) continue;
    throw new StoreError(
      "store.reading_invalid",
      `readings[${index}].${domain} is ${JSON.stringify(value) ?? String(value)}, expected one of ` +
        `${[...types[domain].values].join(", ")} (type ${types[domain].name})`,
    );
  }
}

/** `'a'::type` for each value: an IN list of typed constants compares the ENUM codes, not text. */
export function enumListSql(type: EnumType, values: readonly string[]): string {
  return `(${values.map((v) => `${sqlString(v)}::${type.name}`).join(", ")})`;
}

async function rows(connection: DuckDBConnection, sql: string): Promise<unknown[][]> {
  return (await connection.runAndReadAll(sql)).getRowsJS() as unknown[][];
}

/**
 * Creates the ENUM types of the domains' values and converts the columns of {@link ENUM_COLUMNS}
 * that do not have them yet; call inside the schema-preparation transaction, before the tables are
 * created (`createTablesSql` needs the names) and again after (for the tables that existed).
 *
 * A type holds the domain's values plus every value the file already holds in that domain (labels
 * of an older ENUM, text of a VARCHAR column), so a migration never loses a stored value and a
 * domain that gained a value gets a new type. Types of earlier value sets are dropped.
 */
export async function prepareEnumTypes(connection: DuckDBConnection): Promise<EnumTypes> {
  const existing = new Set(
    (
      await rows(
        connection,
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'",
      )
    ).map((r) => String(r[0])),
  );
  const stored: Record<EnumDomain, Set<string>> = { metric: new Set(), flag: new Set(), source: new Set() };
  for (const { table, column, domain } of ENUM_COLUMNS) {
    if (!existing.has(table)) continue;
    const [[type]] = (await rows(
      connection,
      `SELECT data_type FROM duckdb_columns()
       WHERE database_name = current_database() AND schema_name = 'main' AND table_name = '${table}' AND column_name = '${column}'`,
    )) as [[string]];
    // An ENUM's labels, from a NULL of the column's type (the table may be empty); text: what is stored.
    const values = type.startsWith("ENUM")
      ? (((await rows(connection, `SELECT enum_range((SELECT ${column} FROM ${table} LIMIT 0))`))[0]?.[0] ??
          []) as string[])
      : (await rows(connection, `SELECT DISTINCT ${column} FROM ${table}`)).map((r) => String(r[0]));
    for (const v of values) stored[domain].add(v);
  }
  const declared = new Set((await rows(connection, OWN_TYPES_SQL)).map((r) => String(r[0])));
  const types = domainEnumTypes(stored);
  for (const { name, values } of Object.values(types)) {
    if (!declared.has(name)) {
      await connection.run(`CREATE TYPE ${name} AS ENUM (${[...values].map(sqlString).join(", ")})`);
    }
  }
  return types;
}

/** Alters every ENUM column whose type is not `types`' (VARCHAR, or an ENUM of other values), then drops unused types. */
export async function convertEnumColumns(connection: DuckDBConnection, types: EnumTypes): Promise<void> {
  for (const { table, column, domain } of ENUM_COLUMNS) {
    const type = types[domain];
    const [[current]] = (await rows(
      connection,
      `SELECT typeof((SELECT ${column} FROM ${table} LIMIT 0)) = typeof(NULL::${type.name})`,
    )) as [[boolean]];
    if (!current)
      await connection.run(`ALTER TABLE ${table} ALTER COLUMN ${column} SET DATA TYPE ${type.name}`);
  }
  const inForce = new Set(Object.values(types).map((t) => t.name));
  for (const [name] of await rows(connection, OWN_TYPES_SQL)) {
    if (OWN_TYPE_NAME.test(String(name)) && !inForce.has(String(name)))
      await connection.run(`DROP TYPE ${name}`);
  }
}
