import { parseDataTime } from "./data-time.ts";
import { Hj212Error } from "./errors.ts";

/** The parsed command parameters `CP=&&…&&` (hj212.md §1.1). */
export interface CommandParameters {
  /** `DataTime=YYYYMMDDhhmmss` as sent (Beijing time). */
  dataTime?: string;
  /** Pollutant items by code: `a34004-Rtd=35,a34004-Flag=N` → { a34004: { Rtd: "35", Flag: "N" } }. */
  groups: Record<string, Record<string, string>>;
  /** Items without a `code-` prefix (RtdInterval, QnRtn, ExeRtn, SystemTime, …). */
  other: Record<string, string>;
}

/**
 * Parses the content between `CP=&&` and `&&`: `;` separates groups, `,` items, `=` key and value
 * (hj212.md §1.1). Empty groups and items (a stray trailing `;`) are skipped; a repeated key is an
 * error because either value could be the true one.
 *
 * @example
 * parseCp("DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N")
 * // { dataTime: "20261128103000", groups: { a34004: { Rtd: "35", Flag: "N" } }, other: {} }
 */
export function parseCp(content: string): CommandParameters {
  let dataTime: string | undefined;
  const groups = new Map<string, Map<string, string>>();
  const other = new Map<string, string>();
  for (const group of content.split(";")) {
    for (const item of group.split(",")) {
      if (item === "") continue;
      const eq = item.indexOf("=");
      if (eq <= 0) {
        throw new Hj212Error("bad-field", `CP item "${item}" is not key=value`, {
          path: "CP",
          received: item,
          expected: "key=value",
        });
      }
      const key = item.slice(0, eq);
      const value = item.slice(eq + 1);
      const repeated = () =>
        new Hj212Error("bad-field", `CP key ${key} is repeated`, {
          path: `CP.${key}`,
          received: value,
          expected: "each key once",
        });
      if (key === "DataTime") {
        if (dataTime !== undefined) throw repeated();
        if (parseDataTime(value) === undefined) {
          throw new Hj212Error("bad-field", `DataTime "${value}" is not YYYYMMDDhhmmss`, {
            path: "CP.DataTime",
            received: value,
            expected: "a real time YYYYMMDDhhmmss",
          });
        }
        dataTime = value;
        continue;
      }
      const dash = key.indexOf("-");
      if (dash > 0 && dash < key.length - 1) {
        const code = key.slice(0, dash);
        const field = key.slice(dash + 1);
        let fields = groups.get(code);
        if (!fields) {
          fields = new Map();
          groups.set(code, fields);
        }
        if (fields.has(field)) throw repeated();
        fields.set(field, value);
      } else {
        if (other.has(key)) throw repeated();
        other.set(key, value);
      }
    }
  }
  // Object.fromEntries defines own properties, so a key such as "__proto__" stays plain data.
  const result: CommandParameters = {
    groups: Object.fromEntries([...groups].map(([code, fields]) => [code, Object.fromEntries(fields)])),
    other: Object.fromEntries(other),
  };
  if (dataTime !== undefined) result.dataTime = dataTime;
  return result;
}
