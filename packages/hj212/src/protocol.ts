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
}

const HJ212_2005: ProtocolProfile = Object.freeze({
  version: 0,
  edition: "HJ/T 212-2005",
  provisional: false,
  mnMaxLength: 14,
  systemCodes: SYSTEM_CODES_2005,
  commandCodes: null,
  pollutantCodes: POLLUTANT_CODES_2005,
});

const HJ212_2017: ProtocolProfile = Object.freeze({
  version: 1,
  edition: "HJ 212-2017",
  provisional: false,
  mnMaxLength: 24,
  systemCodes: SYSTEM_CODES_2017,
  commandCodes: COMMAND_CODES_2017,
  pollutantCodes: POLLUTANT_CODES_2017,
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
