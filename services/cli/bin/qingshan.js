#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so the installed command needs no build step.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/main.ts");
process.exitCode = await runCli(process.argv.slice(2));
