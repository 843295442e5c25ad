/**
 * The bench's load: ~200-byte JSON wire payloads of the six air metrics, spread round-robin over
 * `stations`, each with a distinct (station, ts) so nothing dedupes. `runSalt` shifts the times so
 * consecutive runs on one store do not overwrite each other.
 */
export function loadMessages(
  stations: readonly string[],
  count: number,
  runSalt = 0,
): Array<{ topic: string; payload: string }> {
  const base = Date.now() - 2 * 3_600_000 + runSalt;
  return Array.from({ length: count }, (_, i) => {
    const station = stations[i % stations.length] as string;
    const ts = base + Math.floor(i / stations.length) * 1000 + (i % 7);
    const values = {
      pm25: 35 + (i % 40),
      pm10: 60 + (i % 50),
      so2: 8.5,
      no2: 31.25,
      co: 0.82,
      o3: 96 + (i % 30),
    };
    return { topic: `stations/${station}/air`, payload: JSON.stringify({ ts, values, period: "PT1M" }) };
  });
}
