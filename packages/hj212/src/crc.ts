/**
 * The CRC16 of HJ 212-2017 Appendix A. It is NOT CRC-16/MODBUS: the register is shifted right by
 * 8 before the byte is XORed in (`reg = (reg >> 8) ^ byte`), then 8 reflected steps with 0xA001.
 */

/**
 * CRC16 (HJ 212-2017 Appendix A) of raw bytes.
 *
 * @example
 * crc16Bytes(Buffer.from("QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&")) // 0x1c80
 */
export function crc16Bytes(bytes: Uint8Array): number {
  let reg = 0xffff;
  for (const byte of bytes) {
    // HJ 212-2017 Appendix A: shift the high byte down first, then XOR the new byte in.
    reg = (reg >> 8) ^ byte;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = reg & 1;
      reg >>= 1;
      if (lsb === 1) reg ^= 0xa001;
    }
  }
  return reg;
}

/**
 * CRC16 (HJ 212-2017 Appendix A) of a data segment: the text after the 4-digit length up to and
 * including the final "&&". Non-ASCII text is taken as UTF-8 bytes.
 *
 * @example
 * formatCrc(crc16("QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&")) // "1C80"
 */
export function crc16(dataSegment: string): number {
  return crc16Bytes(Buffer.from(dataSegment, "utf8"));
}

/**
 * A CRC as it is written on the wire: 4 uppercase hex digits (hj212.md §2).
 *
 * @example
 * formatCrc(0x9c0) // "09C0"
 */
export function formatCrc(crc: number): string {
  if (!Number.isInteger(crc) || crc < 0 || crc > 0xffff) throw new RangeError(`not a CRC16: ${crc}`);
  return crc.toString(16).toUpperCase().padStart(4, "0");
}

/** CRC-16/MODBUS (`reg ^= byte`, then 8 reflected steps with 0xA001): what many devices send instead. */
function crc16Modbus(bytes: Uint8Array): number {
  let reg = 0xffff;
  for (const byte of bytes) {
    reg ^= byte;
    for (let bit = 0; bit < 8; bit++) {
      const lsb = reg & 1;
      reg >>= 1;
      if (lsb === 1) reg ^= 0xa001;
    }
  }
  return reg;
}

/**
 * Why a received CRC that does not match may differ, when it is one of the usual device mistakes
 * (hj212.md §2): CRC-16/MODBUS instead of Appendix A, the CRC taken over the `##LLLL` header too,
 * or its two bytes swapped. Undefined when it is none of them (a corrupted packet).
 *
 * @example
 * crcMistake(Buffer.from("##0101"), Buffer.from("QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"), 0x0759)
 * // "0759 is the CRC-16/MODBUS of the data segment, not the CRC of HJ 212-2017 Appendix A (which shifts the register before each byte: hj212.md §2)"
 */
export function crcMistake(header: Uint8Array, segment: Uint8Array, got: number): string | undefined {
  const text = formatCrc(got);
  const appendixA = "HJ 212-2017 Appendix A (which shifts the register before each byte: hj212.md §2)";
  const segmentOnly = "the CRC covers the data segment only, after the 4-digit length (hj212.md §2)";
  if (crc16Modbus(segment) === got) {
    return `${text} is the CRC-16/MODBUS of the data segment, not the CRC of ${appendixA}`;
  }
  const framed = Buffer.concat([header, segment]);
  if (crc16Bytes(framed) === got)
    return `${text} is the CRC of the header and the data segment: ${segmentOnly}`;
  if (crc16Modbus(framed) === got) {
    return `${text} is the CRC-16/MODBUS of the header and the data segment: ${segmentOnly}, with ${appendixA}`;
  }
  const expected = crc16Bytes(segment);
  if (((expected & 0xff) << 8) + (expected >> 8) === got) {
    return `${text} is the right CRC with its two bytes swapped: it is written high byte first (hj212.md §2)`;
  }
  return undefined;
}
