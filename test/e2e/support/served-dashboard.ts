import { type ApiDeps, createApp, startApi } from "@qingshan/api";
import type { Bus } from "@qingshan/bus";
import type { StationRegistry } from "@qingshan/domain";
import type { Rule } from "@qingshan/rules";
import type { TimeSeriesStore } from "@qingshan/store";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./chromium.ts";
import { type DemoStore, startDemoStore } from "./demo-store.ts";

export interface ServedDashboard {
  readonly store: TimeSeriesStore;
  /** http://127.0.0.1:<port> of the API serving the dashboard. */
  readonly baseUrl: string;
  /** A 1400 × 1000 page in headless Chromium; page errors are logged. */
  readonly page: Page;
  /** Closes the browser, the API and the demo store. */
  close(): Promise<void>;
}

/**
 * The dashboard as a duty officer opens it: the API on a free loopback port over a demo store
 * (startDemoStore), with `bus` for the live feed when given, and a Chromium page to open it in.
 */
export async function serveDashboard(options: {
  readonly name: string;
  readonly registry: StationRegistry;
  readonly hours: number;
  readonly seed: number;
  /** History up to now instead of the last full hour (startDemoStore). */
  readonly throughNow?: boolean;
  readonly bus?: Bus;
  /** The alert rules the API describes (GET /rules, alerts' ruleDescription); none by default. */
  readonly rules?: readonly Rule[];
  /** The NOI grade table in force (qingshan config noi.scheme); the API's default when absent. */
  readonly noiScheme?: ApiDeps["noiScheme"];
  readonly acceptDownloads?: boolean;
}): Promise<ServedDashboard> {
  const { registry, bus, rules, noiScheme } = options;
  let demo: DemoStore | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await app?.close();
    await demo?.close();
  };
  try {
    demo = await startDemoStore(options);
    app = createApp({
      store: demo.store,
      registry,
      ...(bus ? { bus } : {}),
      ...(rules ? { rules } : {}),
      ...(noiScheme ? { noiScheme } : {}),
      defaultMetrics: false,
    });
    const { port } = await startApi(app, { port: 0 });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1400, height: 1000 },
      acceptDownloads: options.acceptDownloads ?? false,
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error("page error:", error.message));
    return { store: demo.store, baseUrl: `http://127.0.0.1:${port}`, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}
