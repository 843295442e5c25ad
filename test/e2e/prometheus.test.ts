import { execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { testKafkaBroker } from "@qingshan/bus/testing/kafka";
import { freePort, requireService, waitFor } from "@qingshan/testkit";
import {
  type PrivateMosquitto,
  requirePrivateMosquitto,
  startPrivateMosquitto,
} from "@qingshan/testkit/mosquitto";
import { startTestSmtp, type TestSmtpServer } from "@qingshan/testkit/smtp";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { qingshanServices, root } from "../compose/compose-file.ts";
import { influxdInstalled, type PrivateInfluxd, startPrivateInfluxd } from "./support/influxd.ts";
import { type QingshanProcess, startQingshanService, stopGracefully } from "./support/qingshan-process.ts";

// The compose Prometheus for real (project rule: every component docker-compose.yml names is tested
// through the real thing on loopback): Debian's prometheus scrapes every `qingshan run` service of
// docker-compose.yml, each its own process as in the compose topology, with a config generated from
// deploy/prometheus/prometheus.yml (only targets and intervals changed). One alert goes through the
// pipeline to an e-mail; then every PromQL expression of the dashboard's Prometheus panels is run
// against that Prometheus.

const run = promisify(execFile);
const PROMETHEUS_DIR = join(root, "deploy/prometheus");
const PROMETHEUS_CONFIG = join(PROMETHEUS_DIR, "prometheus.yml");
const DASHBOARD = join(root, "deploy/grafana/dashboards/qingshan-network.json");
const HOUR = 3_600_000;
/** What Grafana's $__rate_interval becomes here: ≥ 4 scrapes at the 1 s interval set below. */
const RATE_INTERVAL = "30s";

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  scrape_interval?: string;
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}
interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}
interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
interface RuleState {
  name: string;
  type: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  state?: string;
  alerts?: Array<{ labels: Record<string, string>; state: string }>;
}
interface Panel {
  readonly id: number;
  readonly title: string;
  readonly datasource?: { type?: string };
  readonly targets?: Array<{ expr?: string; datasource?: { type?: string } }>;
  readonly panels?: Panel[];
}
interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface QueryAnswer {
  status: string;
  error?: string;
  warnings?: string[];
  data?: { resultType: string; result: Sample[] };
}

const prometheusGate = await requireService("prometheus", async () => {
  await run("sh", ["-c", "command -v prometheus && command -v promtool"]).catch(() => {
    throw new Error("prometheus/promtool not installed (apt-get install -y prometheus)");
  });
});
const kafka = await testKafkaBroker();
const kafkaGate = await requireService("kafka", () => kafka.probe());
const mosquittoGate = await requirePrivateMosquitto({ name: "mosquitto" });
const influxGate = await requireService("influxdb", influxdInstalled);
const gates = [prometheusGate, kafkaGate, mosquittoGate, influxGate];
const available = gates.every((g) => g.available);
const note = gates.map((g) => g.note).join("");

const shipped = parse(readFileSync(PROMETHEUS_CONFIG, "utf8")) as PrometheusConfig;
/** The shipped rule files (deploy/prometheus/alerts.yml), as absolute paths. */
const ruleFiles = (shipped.rule_files ?? []).map((f) => join(PROMETHEUS_DIR, f));
const shippedRules = ruleFiles.flatMap((file) =>
  (parse(readFileSync(file, "utf8")) as RuleFile).groups.flatMap((g) => g.rules),
);

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Every PromQL expression of the dashboard, with where it comes from. */
const dashboardQueries = allPanels(
  (JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[] }).panels,
)
  .flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => (t.datasource ?? p.datasource)?.type === "prometheus" && t.expr !== undefined)
      .map((t) => ({ where: `panel ${p.id} "${p.title}"`, expr: t.expr as string })),
  )
  .map((q) => ({
    ...q,
    promql: q.expr.replaceAll(/\$__rate_interval|\$__interval|\$__range/g, RATE_INTERVAL),
  }));

/**
 * The shipped config with each target replaced by the loopback address of the process started for
 * that compose service, and 1 s intervals; jobs, labels and metrics paths stay as shipped.
 */
function loopbackConfig(addressOf: (composeHost: string) => string): PrometheusConfig {
  const config = structuredClone(shipped);
  config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
  // The shipped rule files themselves (the generated config lives in a temp dir).
  config.rule_files = ruleFiles;
  for (const job of config.scrape_configs) {
    if (job.scrape_interval !== undefined) job.scrape_interval = "1s";
    for (const group of job.static_configs)
      group.targets = group.targets.map((t) => addressOf(t.split(":")[0] ?? t));
  }
  return config;
}

async function promtoolCheck(file: string): Promise<string> {
  const { stdout, stderr } = await run("promtool", ["check", "config", file]);
  return `${stdout}${stderr}`;
}

/** Compose services started as `qingshan run <service>`, by compose name (ingest-1, writer…). */
const runServices = qingshanServices
  .filter((s) => s.command.includes("run"))
  .map((s) => ({ name: s.name, service: s.command[s.command.indexOf("run") + 1] ?? "" }));

describe.skipIf(!prometheusGate.available)(`deploy/prometheus/prometheus.yml${prometheusGate.note}`, () => {
  it("is valid for promtool as shipped", async () => {
    expect(await promtoolCheck(PROMETHEUS_CONFIG)).toMatch(/SUCCESS/);
  });

  it("has alert rules that promtool check rules accepts", async () => {
    expect(ruleFiles.map((f) => f.slice(PROMETHEUS_DIR.length + 1))).toEqual(["alerts.yml"]);
    const { stdout, stderr } = await run("promtool", ["check", "rules", ...ruleFiles]);
    expect(`${stdout}${stderr}`).toMatch(new RegExp(`SUCCESS: ${shippedRules.length} rules found`));
    expect(shippedRules.length).toBeGreaterThanOrEqual(8);
  });
});

describe.skipIf(!available)(`the compose Prometheus against the compose services, for real${note}`, () => {
  const dirs: string[] = [];
  const processes: QingshanProcess[] = [];
  const urls = new Map<string, string>();
  let mosquitto: PrivateMosquitto | undefined;
  let influx: PrivateInfluxd | undefined;
  let smtp: TestSmtpServer | undefined;
  let prometheus: { pid: number; exited: Promise<void>; output: () => string } | undefined;
  let prometheusUrl = "";
  let configFile = "";

  async function query(promql: string): Promise<QueryAnswer> {
    const response = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: "POST",
      body: new URLSearchParams({ query: promql }),
    });
    return (await response.json()) as QueryAnswer;
  }

  async function startService(name: string, service: string, env: Record<string, string>) {
    const started = await startQingshanService(name, service, {
      ...env,
      ...(service === "ingest"
        ? { QINGSHAN_MQTT_CLIENT_ID: `prom-${name}-${randomUUID().slice(0, 8)}` }
        : {}),
    });
    processes.push(started.proc);
    dirs.push(started.dataDir);
    urls.set(name, started.url);
  }

  beforeAll(async () => {
    mosquitto = await startPrivateMosquitto();
    influx = await startPrivateInfluxd();
    smtp = await startTestSmtp();
    const env = {
      QINGSHAN_BUS: "kafka",
      QINGSHAN_KAFKA_BROKERS: kafka.brokers,
      QINGSHAN_KAFKA_TOPIC_PREFIX: `prom-${randomUUID().slice(0, 8)}.`,
      QINGSHAN_STORE: "influx",
      QINGSHAN_INFLUX_URL: influx.url,
      QINGSHAN_INFLUX_DATABASE: `qingshan_prom_${randomUUID().replaceAll("-", "")}`,
      QINGSHAN_MQTT_URL: mosquitto.url,
      QINGSHAN_MQTT_SHARE_GROUP: "prom",
      QINGSHAN_SMTP_HOST: "127.0.0.1",
      QINGSHAN_SMTP_PORT: String(smtp.port),
      QINGSHAN_HTTP_HOST: "127.0.0.1",
      QINGSHAN_HJ212_PORT: "0",
      QINGSHAN_SIMULATOR: "off",
    };
    // The writer first: it creates the database the others read.
    const writer = runServices.find((s) => s.service === "writer");
    if (writer !== undefined) await startService(writer.name, writer.service, env);
    await Promise.all(
      runServices.filter((s) => s !== writer).map((s) => startService(s.name, s.service, env)),
    );

    const dir = mkdtempSync(join(tmpdir(), "qingshan-prometheus-"));
    dirs.push(dir);
    configFile = join(dir, "prometheus.yml");
    writeFileSync(
      configFile,
      stringify(
        loopbackConfig((host) => {
          const url = urls.get(host);
          if (url === undefined)
            throw new Error(`prometheus.yml scrapes ${host}, which is no \`qingshan run\` service`);
          return url.replace(/^http:\/\//, "");
        }),
      ),
    );
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const child = spawn(
      "prometheus",
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    prometheus = {
      pid: child.pid as number,
      exited: new Promise<void>((resolve) => child.once("exit", () => resolve())),
      output: () => text,
    };
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited:\n${text.slice(-2000)}`);
        return (await fetch(`${prometheusUrl}/-/ready`)).status === 200;
      },
      { what: "prometheus /-/ready", timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- prometheus output ---\n${text.slice(-3000)}`);
    });
  }, 300_000);

  afterAll(async () => {
    if (prometheus !== undefined) {
      process.kill(prometheus.pid, "SIGTERM");
      await prometheus.exited;
    }
    await Promise.all(processes.map((proc) => stopGracefully(proc)));
    await smtp?.stop();
    await influx?.stop();
    await mosquitto?.stop();
    await kafka.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("accepts the generated config (the shipped one with loopback targets) in promtool", async () => {
    expect(await promtoolCheck(configFile)).toMatch(/SUCCESS/);
    const generated = parse(readFileSync(configFile, "utf8")) as PrometheusConfig;
    expect(generated.scrape_configs.map((j) => [j.job_name, j.metrics_path])).toEqual(
      shipped.scrape_configs.map((j) => [j.job_name, j.metrics_path]),
    );
  });

  it("scrapes every target of the shipped config, each up with its job and service label", async () => {
    const expected = shipped.scrape_configs
      .flatMap((job) =>
        job.static_configs.flatMap((g) =>
          g.targets.map((t) => ({
            job: job.job_name,
            service: g.labels?.service ?? "",
            instance: (urls.get(t.split(":")[0] ?? "") ?? "").replace(/^http:\/\//, ""),
            scrapeUrl: `${urls.get(t.split(":")[0] ?? "")}${job.metrics_path ?? "/metrics"}`,
          })),
        ),
      )
      .sort((a, b) => a.instance.localeCompare(b.instance));
    expect(expected.map((t) => t.service)).toContain("notifier");
    let last: unknown;
    await waitFor(
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/targets?state=active`)).json()) as {
          data: {
            activeTargets: Array<{
              labels: Record<string, string>;
              scrapeUrl: string;
              health: string;
              lastError: string;
            }>;
          };
        };
        const active = body.data.activeTargets;
        last = active.map((t) => `${t.scrapeUrl} ${t.health} ${t.lastError}`);
        return active.length === expected.length && active.every((t) => t.health === "up");
      },
      { what: "every target up", timeoutMs: 30_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last)}`);
    });
    const up = await query("up");
    expect(up.status).toBe("success");
    expect(
      (up.data?.result ?? [])
        .map((s) => ({
          job: s.metric.job,
          service: s.metric.service,
          instance: s.metric.instance,
          up: s.value[1],
        }))
        .sort((a, b) => (a.instance ?? "").localeCompare(b.instance ?? "")),
    ).toEqual(expected.map(({ job, service, instance }) => ({ job, service, instance, up: "1" })));
  });

  it("answers every Prometheus query of the dashboard with series, after an alert was e-mailed", async () => {
    expect(dashboardQueries.map((q) => q.expr).join("\n")).toContain("qingshan_notifications_sent_total");
    // Counter series of every channel exist from the start, at 0 (services/notifier/README.md "Metrics").
    const atStart = await query("sum by (channel) (qingshan_notifications_sent_total)");
    expect(atStart.status).toBe("success");
    const channels = (atStart.data?.result ?? []).map((s) => s.metric.channel).sort();
    expect(channels).toContain("email");
    expect(channels).toContain("mqtt");

    // An hourly PM2.5 mean of 160 µg/m³ → hourly AQI 210 > 200: aqi-hourly-heavy raises
    // (config/rules.yaml) → evaluator → Kafka → notifier → SMTP.
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    const client = await mqtt.connectAsync(mosquitto?.url ?? "", {
      clientId: `prom-station-${randomUUID().slice(0, 8)}`,
      protocolVersion: 5,
    });
    try {
      await client.publishAsync(
        "stations/ld-aq-01/air",
        JSON.stringify({ ts: hourStart, values: { pm25: 160 }, period: "PT1H" }),
        { qos: 1 },
      );
    } finally {
      await client.endAsync();
    }
    await waitFor(() => smtp?.mails.some((m) => /New alert/.test(m.subject ?? "")), {
      what: "the alert e-mail",
      timeoutMs: 90_000,
      intervalMs: 250,
    });

    // The panel "sent per minute" shows the e-mail once Prometheus scraped the counter's increase.
    const sent = dashboardQueries.find((q) => q.expr.includes("qingshan_notifications_sent_total"));
    let sentSeries: Sample[] = [];
    await waitFor(
      async () => {
        sentSeries = (await query(sent?.promql ?? "")).data?.result ?? [];
        return sentSeries.some((s) => s.metric.channel === "email" && Number(s.value[1]) > 0);
      },
      { what: `${sent?.where} > 0 for email`, timeoutMs: 30_000, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(sentSeries)}`);
    });

    // A labelled histogram's series appear with their first observation, and rate() needs two
    // samples of a series: the delivery-time panel has series one scrape after the e-mail.
    const answerAll = () =>
      Promise.all(
        dashboardQueries.map(async (q) => {
          const answer = await query(q.promql);
          return {
            where: q.where,
            promql: q.promql,
            status: answer.status,
            error: answer.error ?? "",
            warnings: answer.warnings ?? [],
            series: answer.data?.result.length ?? 0,
          };
        }),
      );
    let answers = await answerAll();
    await waitFor(
      async () => {
        answers = await answerAll();
        return answers.every((a) => a.series > 0);
      },
      { what: "series for every dashboard query", timeoutMs: 15_000, intervalMs: 500 },
    ).catch(() => undefined);
    expect(answers.length).toBeGreaterThanOrEqual(6);
    expect(answers.filter((a) => a.status !== "success" || a.error !== "" || a.warnings.length > 0)).toEqual(
      [],
    );
    expect(answers.filter((a) => a.series === 0)).toEqual([]);

    const open = await query("sum by (severity, status) (qingshan_alerts_open)");
    expect(open.data?.result.some((s) => s.metric.status === "open" && Number(s.value[1]) >= 1)).toBe(true);
    const delivered = await query("sum by (channel) (qingshan_notification_delivery_seconds_count)");
    expect(delivered.data?.result.some((s) => s.metric.channel === "email" && Number(s.value[1]) > 0)).toBe(
      true,
    );
  }, 180_000);

  it("evaluates every shipped alert rule without error, on metrics the services serve", async () => {
    // Every metric name a rule uses is one a scraped service really serves (a misspelt name would
    // evaluate without error to nothing, and the alert would never fire): the names Prometheus has
    // series of, and every metric a service's /metrics declares (`# TYPE`; a labelled counter has
    // no series before its first increment, e.g. qingshan_write_retries_total).
    const names = new Set(
      ((await (await fetch(`${prometheusUrl}/api/v1/label/__name__/values`)).json()) as { data: string[] })
        .data,
    );
    for (const url of new Set(urls.values())) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        names.add(name ?? "");
        if (type === "histogram" || type === "summary")
          for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
      }
    }
    const unknown = shippedRules.flatMap((r) =>
      [...r.expr.matchAll(/\b(qingshan_[a-z0-9_]+|up)\b/g)]
        .map((m) => m[1] ?? "")
        .filter((name) => !names.has(name))
        .map((name) => `${r.alert ?? r.record}: ${name}`),
    );
    expect(unknown, `served: ${[...names].filter((n) => n.startsWith("qingshan_")).join(", ")}`).toEqual([]);

    let rules: RuleState[] = [];
    await waitFor(
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
          data: { groups: Array<{ rules: RuleState[] }> };
        };
        rules = body.data.groups.flatMap((g) => g.rules);
        return (
          rules.length === shippedRules.length && rules.every((r) => !r.lastEvaluation.startsWith("0001-"))
        );
      },
      { what: "every rule evaluated", timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(rules.map((r) => r.name).sort()).toEqual(shippedRules.map((r) => r.alert ?? r.record).sort());
    expect(
      rules
        .filter((r) => r.health !== "ok" || (r.lastError ?? "") !== "")
        .map((r) => `${r.name}: ${r.lastError}`),
    ).toEqual([]);
    // Nothing is wrong yet: no target is down.
    expect(rules.find((r) => r.name === "QingshanTargetDown")?.state).toBe("inactive");
  }, 60_000);

  it("raises QingshanTargetDown for a stopped service", async () => {
    const victim = processes.find((p) => p.name === "ingest-2") ?? processes.at(-1);
    const instance = (urls.get(victim?.name ?? "") ?? "").replace(/^http:\/\//, "");
    if (victim !== undefined) await stopGracefully(victim);
    let alerts: Array<{ labels: Record<string, string>; state: string }> = [];
    await waitFor(
      async () => {
        const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
          data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
        };
        alerts = body.data.alerts;
        return alerts.some((a) => a.labels.alertname === "QingshanTargetDown");
      },
      { what: "QingshanTargetDown", timeoutMs: 30_000, intervalMs: 500 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(alerts)}`);
    });
    const down = alerts.filter((a) => a.labels.alertname === "QingshanTargetDown");
    // Pending (its `for: 2m` not yet elapsed): an alert for exactly the stopped instance.
    expect(
      down.map((a) => ({ instance: a.labels.instance, severity: a.labels.severity, state: a.state })),
    ).toEqual([{ instance, severity: "critical", state: "pending" }]);
  }, 60_000);
});
