import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { requireService } from "@qingshan/testkit";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (`.ci/run` installs the `chromium` package); no browser download. */
export const CHROMIUM = process.env.QINGSHAN_CHROMIUM ?? "/usr/bin/chromium";

/** Where the dashboard tests keep their screenshots (test artefacts, issue 6). */
export const SCREENSHOTS = join(import.meta.dirname, "../../../reports/screenshots");

/** A skip with reason locally, a failure under CI=true, when Chromium is not installed. */
export const chromiumGate = await requireService("chromium", () => access(CHROMIUM));

/** Headless Chromium through playwright-core; also creates the screenshots directory. */
export async function launchChromium(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}
