import { access, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { requireService } from "@qingshan/testkit";
import { type Browser, chromium, type Page } from "playwright-core";

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

/**
 * Records what went wrong on a page — uncaught errors, console errors, failed requests, non-2xx
 * answers and the dashboard's toast — so a timed-out wait can say why (`describe()`).
 */
export function watchPageTrouble(page: Page): { describe(): Promise<string> } {
  const trouble: string[] = [];
  page.on("pageerror", (error) => trouble.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") trouble.push(`console error: ${message.text()}`);
  });
  page.on("requestfailed", (request) =>
    trouble.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? "?"})`),
  );
  page.on("response", (response) => {
    if (response.status() >= 400) trouble.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    async describe() {
      const toast = await page
        .locator("#toast")
        .textContent({ timeout: 1000 })
        .catch(() => null);
      const lines = [...trouble, ...(toast ? [`last toast: ${toast}`] : [])];
      return lines.length > 0 ? lines.join("; ") : "no page errors, failed requests or toasts";
    },
  };
}
