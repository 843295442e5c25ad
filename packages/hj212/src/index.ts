export {
  COMMAND_CODES_2017,
  type CodeName,
  DATA_COMMANDS,
  isDataUpload,
  POLLUTANT_CODES_2005,
  POLLUTANT_CODES_2017,
  type PollutantCode,
  SYSTEM_CODES_2005,
  SYSTEM_CODES_2017,
  UNSTORED_DATA_COMMANDS,
} from "./codes.ts";
export {
  buildNotificationResponse,
  buildRequestResponse,
  buildSetTimeCommand,
  type CommandAnswer,
  type CommandTarget,
  commandAnswer,
  EXE_RTN,
  formatQn,
  QN_RTN,
} from "./commands.ts";
export { type CommandParameters, parseCp } from "./cp.ts";
export { crc16, crc16Bytes, formatCrc } from "./crc.ts";
export { formatDataTime, parseDataTime } from "./data-time.ts";
export { HJ212_ERROR_CODES, Hj212Error, type Hj212ErrorCode, type Hj212ErrorDetail } from "./errors.ts";
export { decodeFlag, encodeFlag, type PacketFlag } from "./flag.ts";
export { describeNonAscii, type NonAsciiByte } from "./non-ascii.ts";
export {
  buildDataResponse,
  buildPacket,
  type Hj212Packet,
  MAX_DATA_LENGTH,
  MAX_PACKET_LENGTH,
  type PacketInput,
  type ParseOptions,
  parseFrame,
  parsePacket,
  unverifiedMn,
} from "./packet.ts";
export { dataFlagOf, PROTOCOL_PROFILES, type ProtocolProfile, profileForVersion } from "./protocol.ts";
export {
  type DecodeOptions,
  hj212ErrorToRejection,
  lookupCode,
  type PacketReadings,
  packetToReadings,
  passwordRejection,
} from "./readings.ts";
export {
  type AbandonedMessage,
  joinSplitMessage,
  type SplitOutcome,
  type SplitPart,
  SplitReassembler,
} from "./reassembly.ts";
export { replyFor, unansweredWithoutQn } from "./reply.ts";
export { type InputEnd, MAX_REPORTED_RAW, PacketStreamDecoder, type StreamItem } from "./stream.ts";
export { type PacketSummary, packetSummary } from "./summary.ts";
export { canonicalUnit, convertDecimal } from "./units.ts";
