import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createStationRegistry, type Reading, type Rejection } from "@qingshan/domain";
import { createDecoderSubmit, type DecoderSubmitOptions } from "../decoder-submit.ts";
import type { Submit } from "../import-csv.ts";

/** Test support: the seed registry and a real submit (the wire decoder) collecting what it accepts. */

/** A file of this folder. */
export const fixture = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const registry = createStationRegistry(
  JSON.parse(
    readFileSync(fileURLToPath(new URL("../../../../seeds/liandu/stations.json", import.meta.url)), "utf8"),
  ),
);

/** The decoder's clock. */
export const NOW = Date.parse("2026-11-28T12:00:00+08:00");

/** A real submit: the wire decoder with the seed registry, collecting what it accepts. */
export function decoderSubmit(limits?: DecoderSubmitOptions["limits"]) {
  const readings: Reading[] = [];
  const rejections: Rejection[] = [];
  const messages: { topic: string; payload: string }[] = [];
  const decode = createDecoderSubmit({
    stations: registry,
    clock: () => NOW,
    ...(limits ? { limits } : {}),
    deliver: async (r, rej) => {
      readings.push(...r);
      rejections.push(...rej);
    },
  });
  const submit: Submit = (topic, payload) => {
    messages.push({ topic, payload });
    return decode(topic, payload);
  };
  return { submit, readings, rejections, messages };
}
