/** Example packets of shared/standards/hj212.md §2 and §7, verbatim (tail written as \r\n). */

/** §2: the standard's own example; data segment 101 characters, CRC 1C80. */
export const STANDARD_EXAMPLE =
  "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n";

/** §7 A: air station, real-time data, no ack; 278 characters, CRC EB01. */
export const PACKET_A =
  "##0278QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N;a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N&&EB01\r\n";

/** §7 B: water station, hourly data, ack requested; 443 characters, CRC 09C0. */
export const PACKET_B =
  "##0443QN=20261128100012456;ST=21;CN=2061;PW=123456;MN=LDWQ0000000000000000002B;Flag=5;CP=&&DataTime=20261128090000;w01001-Min=7.18,w01001-Avg=7.24,w01001-Max=7.31,w01001-Flag=N;w01009-Min=6.52,w01009-Avg=6.71,w01009-Max=6.90,w01009-Flag=N;w01019-Avg=2.9,w01019-Flag=N;w21003-Avg=0.31,w21003-Flag=N;w21011-Avg=0.074,w21011-Flag=N;w21001-Avg=1.48,w21001-Flag=N;w01014-Avg=236,w01014-Flag=N;w01003-Avg=11.2,w01003-Flag=N;w01010-Avg=14.6,w01010-Flag=N&&09C0\r\n";

/** §7 B reply: the host's 9014 data response; 87 characters, CRC B101. */
export const PACKET_B_RESPONSE =
  "##0087QN=20261128100012456;ST=91;CN=9014;PW=123456;MN=LDWQ0000000000000000002B;Flag=4;CP=&&&&B101\r\n";

/** §7 C: packet A with its CRC replaced by ABCD. */
export const PACKET_C =
  "##0278QN=20261128103005123;ST=22;CN=2011;PW=123456;MN=LDAQ0000000000000000001A;Flag=4;CP=&&DataTime=20261128103000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=41,a21004-Flag=N;a21005-Rtd=0.8,a21005-Flag=N;a05024-Rtd=96,a05024-Flag=N&&ABCD\r\n";

/** The data segment of a packet (between the length and the CRC). */
export function segmentOf(packet: string): string {
  return packet.slice(6, packet.length - 6);
}
