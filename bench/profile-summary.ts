// Sums the self time of V8 CPU profiles (the .cpuprofile files `--cpu-prof` writes) by file and by
// function, so profiles of the drivers beside this file can be compared by relative self time.
// With a start function, only samples from the first one whose stack holds that function on are
// counted (skips module loading and setup: `lane` for profile-ingest.ts, `authorizePublish` for
// the pipeline child of profile-mqtt.ts). Idle samples are reported apart.
//
//   node --import tsx bench/profile-summary.ts DIR [top=40] [startFunction] [filter]

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const [dir, topArg, startFunction, filter] = process.argv.slice(2);
if (dir === undefined) {
  console.error("usage: profile-summary.ts DIR [top] [startFunction] [filter]");
  process.exit(2);
}
const top = Number(topArg ?? 40);
const root = `file://${join(import.meta.dirname, "..")}/`;

const byFile = new Map<string, number>();
const byFunction = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function fileOf(url: string): string {
  if (url === "") return "(native)";
  const pkg = /node_modules\/\.pnpm\/([^/]+)\//.exec(url);
  return pkg ? `pkg:${pkg[1]}` : url.replace(root, "");
}

for (const name of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
  const profile = JSON.parse(readFileSync(join(dir, name), "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const under = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (nodes.get(at)?.callFrame.functionName === startFunction) return true;
    }
    return false;
  };
  let started = startFunction === undefined;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i + 1] is the time until the next sample: what sample i stands for.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!started) {
      if (!under(id)) return;
      started = true;
    }
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) return;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      return;
    }
    const file = fileOf(frame.url);
    add(byFile, file, us);
    add(
      byFunction,
      `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`,
      us,
    );
    busyUs += us;
  });
}

function show(map: Map<string, number>, count: number): void {
  const rows = [...map].filter(([key]) => filter === undefined || key.includes(filter));
  rows.sort((a, b) => b[1] - a[1]);
  for (const [key, us] of rows.slice(0, count)) {
    console.log(
      `${((100 * us) / busyUs).toFixed(2).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
  }
}

console.log(`busy ${(busyUs / 1000).toFixed(0)} ms, idle ${(idleUs / 1000).toFixed(0)} ms`);
console.log("--- self time by file");
show(byFile, 30);
console.log("--- self time by function");
show(byFunction, top);
