/**
 * Keeps deploy/ in step with docker-compose.yml and the code: the Grafana dashboards parse and use
 * only provisioned datasources, Prometheus scrapes every Qingshan container (the notifier's
 * delivery metrics above all), and every Qingshan metric a panel queries is one a README documents.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compose, qingshanServices, root } from "./compose-file.ts";

const GRAFANA = resolve(root, "deploy/grafana");
const PROMETHEUS_CONFIG = resolve(root, "deploy/prometheus/prometheus.yml");

interface Datasource {
  readonly type?: string;
  readonly uid?: string;
}
interface Target {
  readonly datasource?: Datasource;
  readonly expr?: string;
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: Datasource;
  readonly targets?: Target[];
  readonly panels?: Panel[];
}
interface Dashboard {
  readonly uid: string;
  readonly panels: Panel[];
  readonly templating?: { list: Array<{ name: string; datasource?: Datasource }> };
}

const dashboardDir = resolve(GRAFANA, "dashboards");
const dashboards = readdirSync(dashboardDir)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(resolve(dashboardDir, file), "utf8")) as Dashboard,
  }));

const datasourceDir = resolve(GRAFANA, "provisioning/datasources");
const provisioned = readdirSync(datasourceDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap(
    (f) =>
      (
        parse(readFileSync(resolve(datasourceDir, f), "utf8")) as {
          datasources: Array<Required<Datasource> & { url: string }>;
        }
      ).datasources,
  );

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** host:port of a URL or a Prometheus target, e.g. "notifier:8080". */
function hostOf(target: string): string {
  return target.replace(/^[a-z]+:\/\//, "").split(":")[0] ?? "";
}

describe("deploy/grafana", () => {
  it("has dashboards", () => {
    expect(dashboards.map((d) => d.file)).toContain("qingshan-network.json");
  });

  it("uses only provisioned datasources, each served by a compose service", () => {
    const uids = new Map(provisioned.map((d) => [d.uid, d]));
    const problems: string[] = [];
    for (const { file, dashboard } of dashboards) {
      const used = [
        ...(dashboard.templating?.list ?? []).map((v) => ({ where: `variable ${v.name}`, ds: v.datasource })),
        ...allPanels(dashboard.panels).flatMap((p) => [
          { where: `panel ${p.id} "${p.title}"`, ds: p.datasource },
          ...(p.targets ?? []).map((t) => ({ where: `panel ${p.id} "${p.title}" target`, ds: t.datasource })),
        ]),
      ];
      for (const { where, ds } of used) {
        if (ds?.uid === undefined) continue;
        const known = uids.get(ds.uid);
        if (known === undefined)
          problems.push(`${file} ${where}: datasource uid ${ds.uid} is not provisioned`);
        else if (known.type !== ds.type)
          problems.push(`${file} ${where}: datasource ${ds.uid} is ${known.type}, not ${ds.type}`);
      }
    }
    for (const d of provisioned) {
      if (compose.services[hostOf(d.url)] === undefined)
        problems.push(`datasource ${d.uid}: ${d.url} is no compose service`);
    }
    expect(problems).toEqual([]);
  });

  it("gives every panel of a dashboard its own id", () => {
    for (const { dashboard } of dashboards) {
      const ids = allPanels(dashboard.panels).map((p) => p.id);
      expect(ids.length).toBe(new Set(ids).size);
    }
  });

  it("queries only Qingshan metrics that a README documents", () => {
    const readmes = ["services", "packages"]
      .flatMap((dir) => readdirSync(resolve(root, dir)).map((name) => resolve(root, dir, name, "README.md")))
      .flatMap((path) => {
        try {
          return [readFileSync(path, "utf8")];
        } catch {
          return [];
        }
      })
      .join("\n");
    const queried = new Set(
      dashboards.flatMap(({ dashboard }) =>
        allPanels(dashboard.panels).flatMap((p) =>
          (p.targets ?? []).flatMap((t) =>
            [...(t.expr ?? "").matchAll(/\bqingshan_[a-z0-9_]+/g)].map((m) =>
              m[0].replace(/_(bucket|sum|count)$/, ""),
            ),
          ),
        ),
      ),
    );
    expect([...queried]).toContain("qingshan_notifications_sent_total");
    expect([...queried].filter((name) => !readmes.includes(`\`${name}\``)).sort()).toEqual([]);
  });
});

describe("deploy/prometheus", () => {
  const config = parse(readFileSync(PROMETHEUS_CONFIG, "utf8")) as {
    rule_files?: string[];
    scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
  };
  const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));

  it("is mounted into the compose prometheus service", () => {
    expect(compose.services.prometheus?.volumes).toContain(
      "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
    );
  });

  it("loads alert rules, each file mounted beside prometheus.yml in the compose prometheus service", () => {
    // rule_files are relative to the config file: /etc/prometheus in the container.
    expect(config.rule_files).toEqual(["alerts.yml"]);
    for (const file of config.rule_files ?? [])
      expect(compose.services.prometheus?.volumes).toContain(
        `./deploy/prometheus/${file}:/etc/prometheus/${file}:ro`,
      );
  });

  it("scrapes /metrics of every `qingshan run` container, the notifier included, on its HTTP port", () => {
    const running = qingshanServices
      .filter((s) => s.command.includes("run"))
      .map((s) => `${s.name}:${s.env.QINGSHAN_HTTP_PORT}`)
      .sort();
    expect(running).toContain("notifier:8080");
    expect([...targets].sort()).toEqual(running);
  });
});
