import { DATA_FLAGS, type DataFlag } from "@qingshan/domain";
import {
  COMMAND_CODES_2017,
  type CodeName,
  POLLUTANT_CODES_2005,
  POLLUTANT_CODES_2017,
  type PollutantCode,
  SYSTEM_CODES_2005,
  SYSTEM_CODES_2017,
} from "./codes.ts";

/**
 * What differs between editions of HJ 212: version bits, field limits and code tables. The codec
 * picks a profile from the Flag version bits; a later edition is a new entry here.
 */
export interface ProtocolProfile {
  /** Flag bits V5…V0 (hj212.md §1.2). */
  readonly version: number;
  readonly edition: string;
  /** True when the profile rests on unverified sources (we have not read the text). */
  readonly provisional: boolean;
  /** Longest MN accepted (24 in 2017, 14 in 2005; hj212.md §1.1). */
  readonly mnMaxLength: number;
  readonly systemCodes: Readonly<Record<string, CodeName>>;
  /** Known CN codes, or null when we have no table (CN is then not checked). */
  readonly commandCodes: Readonly<Record<string, CodeName>> | null;
  readonly pollutantCodes: Readonly<Record<string, PollutantCode>>;
  /** Data flags (`<code>-Flag`) as sent → the domain flag they are stored with. */
  readonly dataFlags: Readonly<Record<string, DataFlag>>;
  /**
   * Where the edition gave ambient air stations (ST 22) flags of their own: those mapped to a domain
   * flag, and those that map to none, with their meaning (named in the rejection).
   */
  readonly ambientAirDataFlags?: {
    readonly flags: Readonly<Record<string, DataFlag>>;
    readonly unmapped: Readonly<Record<string, string>>;
  };
}

// hj212.md §5, Table 8 of HJ 212-2017: the domain's flags are these letters, same meanings.
const DATA_FLAGS_2017: Readonly<Record<string, DataFlag>> = Object.freeze(
  Object.fromEntries(DATA_FLAGS.map((flag) => [flag, flag])),
);

// hj212.md §5, the HJ/T 212-2005 flag set: P power failure, F source stopped, C calibration,
// M maintenance, T over upper limit, D fault, S set value, N normal (no B). Same letters as 2017
// where the meaning is the same (F: 停运, the source then, the instrument in 2017; neither is valid
// data). P (电源故障, a power-supply fault) has no 2017 letter: stored as D (故障, fault).
const DATA_FLAGS_2005: Readonly<Record<string, DataFlag>> = Object.freeze({
  ...Object.fromEntries(DATA_FLAGS.filter((flag) => flag !== "B").map((flag) => [flag, flag])),
  P: "D",
});

// hj212.md §5: 2005 ambient air stations used 0 calibration, 1 meteorological, 2 abnormal,
// 3 normal. 0 and 3 are C and N; 1 and 2 mean something no domain flag says.
const AMBIENT_AIR_DATA_FLAGS_2005 = Object.freeze({
  flags: Object.freeze({ "0": "C", "3": "N" } as const),
  unmapped: Object.freeze({ "1": "meteorological", "2": "abnormal" }),
});

const HJ212_2005: ProtocolProfile = Object.freeze({
  version: 0,
  edition: "HJ/T 212-2005",
  provisional: false,
  mnMaxLength: 14,
  systemCodes: SYSTEM_CODES_2005,
  commandCodes: null,
  pollutantCodes: POLLUTANT_CODES_2005,
  dataFlags: DATA_FLAGS_2005,
  ambientAirDataFlags: AMBIENT_AIR_DATA_FLAGS_2005,
});

const HJ212_2017: ProtocolProfile = Object.freeze({
  version: 1,
  edition: "HJ 212-2017",
  provisional: false,
  mnMaxLength: 24,
  systemCodes: SYSTEM_CODES_2017,
  commandCodes: COMMAND_CODES_2017,
  pollutantCodes: POLLUTANT_CODES_2017,
  dataFlags: DATA_FLAGS_2017,
});

// hj212.md status note: HJ 212-2025 per public implementations only (version 000010, ST 44/45,
// heartbeat 9015, RF= header field); unverified, hence provisional.
const HJ212_2025: ProtocolProfile = Object.freeze({
  version: 2,
  edition: "HJ 212-2025",
  provisional: true,
  mnMaxLength: 24,
  systemCodes: Object.freeze({
    ...SYSTEM_CODES_2017,
    "44": { zh: "用电监控", en: "power-use monitoring" },
    "45": { zh: "重点生产工况监控", en: "key production-condition monitoring" },
  }),
  commandCodes: Object.freeze({ ...COMMAND_CODES_2017, "9015": { zh: "心跳", en: "heartbeat" } }),
  pollutantCodes: POLLUTANT_CODES_2017,
  dataFlags: DATA_FLAGS_2017,
});

/** Profiles by version number. */
export const PROTOCOL_PROFILES: Readonly<Record<number, ProtocolProfile>> = Object.freeze({
  0: HJ212_2005,
  1: HJ212_2017,
  2: HJ212_2025,
});

/**
 * The profile for Flag version bits. Unknown versions get the 2017 profile: hj212.md §1.2 says to
 * log the version and not reject on it.
 *
 * @example
 * profileForVersion(1).edition // "HJ 212-2017"
 */
export function profileForVersion(version: number): ProtocolProfile {
  return PROTOCOL_PROFILES[version] ?? HJ212_2017;
}

/**
 * The domain flag a data flag as sent is stored with, in the packet's edition (`st` 22 adds the
 * ambient-air flags of HJ/T 212-2005), or what the rejection expects instead.
 *
 * @example
 * dataFlagOf(profileForVersion(0), "32", "P") // { flag: "D" }
 * dataFlagOf(profileForVersion(1), "22", "P") // { expected: "a data flag of HJ 212-2017: one of N F M S D C T B" }
 */
export function dataFlagOf(
  profile: ProtocolProfile,
  st: string,
  sent: string,
): { readonly flag: DataFlag } | { readonly expected: string } {
  const air = st === "22" ? profile.ambientAirDataFlags : undefined;
  const flags = { ...profile.dataFlags, ...air?.flags };
  if (Object.hasOwn(flags, sent)) return { flag: flags[sent] as DataFlag };
  const meaning = air !== undefined && Object.hasOwn(air.unmapped, sent) ? air.unmapped[sent] : undefined;
  const station = air === undefined ? "" : " (ambient air)";
  const why = meaning === undefined ? "" : `; flag ${sent} (${meaning}) has no Qingshan data flag`;
  const known = [...Object.keys(profile.dataFlags), ...Object.keys(air?.flags ?? {})].join(" ");
  return { expected: `a data flag of ${profile.edition}${station}: one of ${known}${why}` };
}
