/**
 * Malwar 0.4.0's own code (the venv scripts/malwar-app.sh installs: the release's wheel and its
 * pinned dependencies) run on the environment the program renders for Malwar's container: the
 * notification channels its router registers, where its URL crawler sends requests when the
 * egress proxy is configured, when its scan pipeline skips the LLM layer, and whom its rate
 * limiter counts (the API as uvicorn serves the image's entry point). What is expected comes from Malwar's code as read
 * (malwar/notifications/factory.py, malwar/api/routes/scan.py) and from the config given here.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as http from "http";
import type { AddressInfo } from "net";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProgram, unwrapSecrets, type MockRun, type RunOptions } from "../../tools/mock-run";
import { K8S, object } from "../helpers";

const ROOT = path.resolve(__dirname, "../..");
/** Exit code of scripts/malwar-app.sh when no Python 3.13 is found. */
const NO_PYTHON_313 = 3;

interface Runtime {
    channels: { channel: string; verdicts: string[] }[];
    crawled: { url: string; status: number; error: string | null }[];
    pipeline: { risk: number; executed: string[] } | null;
    statuses: number[];
}

/** Malwar's container environment as the kubelet builds it: envFrom (ConfigMap, Secret), then env. */
function malwarEnv(run: MockRun): Record<string, string> {
    const container = object(run, K8S.deployment, "malwar").spec.template.spec.containers[0];
    const env: Record<string, string> = {};
    for (const from of container.envFrom) {
        const source = from.configMapRef
            ? object(run, K8S.configMap, from.configMapRef.name).data
            : unwrapSecrets(object(run, K8S.secret, from.secretRef.name).stringData);
        Object.assign(env, source);
    }
    for (const e of container.env ?? []) env[e.name] = e.value;
    return env;
}

describe("Malwar's notification router, URL crawler, scan pipeline and rate limiter, run on the rendered environment", function () {
    this.timeout(120_000);
    let python: string;

    before(function () {
        this.timeout(600_000);
        const installed = spawnSync("bash", [path.join(ROOT, "scripts/malwar-app.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        if (installed.status === NO_PYTHON_313 && !process.env.CI) return this.skip();
        assert.equal(installed.status, 0, "scripts/malwar-app.sh");
        python = path.join(installed.stdout.trim(), "venv/bin/python");
    });

    // Asynchronous: the proxy below answers from this process while Python runs.
    type Request = { client: string; path: string; headers?: Record<string, string> };
    const runtime = (env: Record<string, string>, crawl: string[] = [], pipeline?: { layers: string[] | null }, requests: Request[] = []): Promise<Runtime> =>
        new Promise((resolve, reject) => {
            const child = spawn(python, [path.join(__dirname, "malwar_runtime.py")], { stdio: ["pipe", "pipe", "pipe"], timeout: 60_000 });
            let out = "";
            let err = "";
            child.stdout.on("data", (d) => (out += d));
            child.stderr.on("data", (d) => (err += d));
            child.on("error", reject);
            child.on("close", (status) => (status === 0 ? resolve(JSON.parse(out)) : reject(new Error(`malwar_runtime.py exited ${status}: ${err}`))));
            child.stdin.end(JSON.stringify({ env, crawl, pipeline: pipeline ?? null, requests }));
        });
    const secrets = (values: Record<string, string>): Pick<RunOptions, "config" | "secretKeys"> => ({
        config: Object.fromEntries(Object.entries(values).map(([k, v]) => [`scanning-platform:${k}`, v])),
        secretKeys: Object.keys(values),
    });
    const EMAIL = { host: "smtp.example.com", from: "malwar@example.com", to: ["soc@example.com"] };

    it("registers each configured channel, PagerDuty for MALICIOUS and SUSPICIOUS only, and no second webhook delivery", async () => {
        const run = await runProgram("stage", {
            ...secrets({
                malwarSlackWebhookUrl: "https://hooks.slack.com/services/T0/B0/slack-token-0123456789",
                malwarPagerdutyRoutingKey: "pd-routing-key-0123456789abcdef01",
            }),
            sets: {
                "malwar.webhookUrls": '["https://hooks.example.com/a"]',
                "malwar.webhookVerdicts": '["MALICIOUS"]',
                "malwar.notifications.email": JSON.stringify(EMAIL),
            },
        });
        const all = ["CAUTION", "CLEAN", "MALICIOUS", "SUSPICIOUS"];
        // The webhooks go through the sender every scan calls (scan.py _send_webhook), not the router.
        assert.deepEqual((await runtime(malwarEnv(run))).channels, [
            { channel: "email", verdicts: all },
            { channel: "pagerduty", verdicts: ["MALICIOUS", "SUSPICIOUS"] },
            { channel: "slack", verdicts: all },
        ]);
    });

    it("with webhooks alone, Malwar's router adds its own webhook delivery (the second POST docs/operations.md warns of)", async () => {
        const run = await runProgram("stage", {
            sets: { "malwar.webhookUrls": '["https://hooks.example.com/a"]', "malwar.webhookVerdicts": '["MALICIOUS","CAUTION"]' },
        });
        assert.deepEqual((await runtime(malwarEnv(run))).channels, [{ channel: "webhook", verdicts: ["CAUTION", "MALICIOUS"] }]);
    });

    it("the crawler fetches through the configured proxy, except the cluster's names and proxy.noProxy's", async () => {
        const seen: string[] = [];
        const proxy = http.createServer((req, res) => {
            seen.push(`${req.method} ${req.url}`);
            res.writeHead(200, { "content-type": "text/plain" }).end("crawled through the proxy");
        });
        await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
        try {
            const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
            const run = await runProgram("stage", {
                config: { "scanning-platform:proxy": JSON.stringify({ httpProxy: proxyUrl, httpsProxy: proxyUrl, noProxy: [".intranet.example"] }) },
            });
            const crawled = await runtime(malwarEnv(run), [
                "http://crawl.example/page",
                "http://wiki.intranet.example/page",
                "http://malwar.clair-stage.svc:8000/api/v1/health",
            ]);
            assert.deepEqual(crawled.crawled[0], { url: "http://crawl.example/page", status: 200, error: null });
            // HEAD first, then GET for a text body (malwar/detectors/url_crawler/fetcher.py).
            assert.deepEqual(seen, ["HEAD http://crawl.example/page", "GET http://crawl.example/page"]);
            for (const direct of crawled.crawled.slice(1)) assert.notEqual(direct.status, 200, `${direct.url} went direct (and found nothing here)`);
        } finally {
            proxy.close();
        }
    });

    it("the LLM layer skips a harmless scan below malwar.llm.skipBelowRisk, unless the scan lists its layers (as an API request does by default)", async () => {
        const PIPELINE_DEFAULT = { layers: null };
        // ScanRequestBody's default (malwar/api/routes/scan.py).
        const API_DEFAULT = { layers: ["rule_engine", "url_crawler", "llm_analyzer", "threat_intel"] };
        const atDefault = malwarEnv(await runProgram("stage", {}));
        const atZero = malwarEnv(await runProgram("stage", { sets: { "malwar.llm.skipBelowRisk": "0" } }));
        assert.deepEqual((await runtime(atDefault, [], PIPELINE_DEFAULT)).pipeline, { risk: 0, executed: ["rule_engine"] }, "0 is below 15: skipped");
        assert.deepEqual(
            (await runtime(atZero, [], PIPELINE_DEFAULT)).pipeline,
            { risk: 0, executed: ["rule_engine", "llm_analyzer"] },
            "0 is not below 0: asked",
        );
        assert.deepEqual(
            (await runtime(atDefault, [], API_DEFAULT)).pipeline,
            { risk: 0, executed: ["rule_engine", "llm_analyzer"] },
            "a listed layer always runs",
        );
    });

    it("limits each client address without a key to malwar.rateLimit.perIp a minute and each key to perKey; X-Forwarded-For from an Ingress controller's address is not believed", async () => {
        const run = await runProgram("stage", { sets: { "malwar.rateLimit.perIp": "7", "malwar.rateLimit.perKey": "3" } });
        // The rendered /data is the pod's claim: a scratch folder stands for it.
        const data = fs.mkdtempSync(path.join(os.tmpdir(), "malwar-runtime-"));
        const env = { ...malwarEnv(run), MALWAR_DB_PATH: path.join(data, "malwar.db") };
        const times = (n: number, request: Request) => Array.from({ length: n }, () => request);
        // 10.128.2.15 stands for an Ingress controller's pod, which adds the client's address in X-Forwarded-For.
        const controller = { client: "10.128.2.15", path: "/api/v1/ready" };
        const { statuses } = await runtime(env, [], undefined, [
            ...times(7, controller),
            controller,
            { ...controller, headers: { "X-Forwarded-For": "203.0.113.9" } },
            { client: "10.128.4.20", path: "/api/v1/ready" },
            ...times(3, { client: "10.128.2.15", path: "/api/v1/ready", headers: { "X-API-Key": "made-up-key" } }),
            { client: "10.128.2.15", path: "/api/v1/ready", headers: { "X-API-Key": "made-up-key" } },
        ]).finally(() => fs.rmSync(data, { recursive: true, force: true }));
        // 7 from the controller, then 429 (the forwarded address changes nothing); another address and the key count apart.
        assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429, 429, 200, 200, 200, 200, 429]);
    });
});
