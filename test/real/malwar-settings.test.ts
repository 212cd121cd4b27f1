/**
 * Every MALWAR_* variable the program gives a container, read by Malwar's own settings class:
 * malwar/core/config.py from the 0.4.0 wheel on PyPI (scripts/python-tools.sh checks its sha256),
 * loaded with pydantic-settings in a venv. A name the class has no field for would be ignored
 * silently by Malwar; a value it cannot parse stops Malwar at start-up.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { runProgram, unwrapSecrets, type MockRun } from "../../tools/mock-run";
import { podSpecs } from "../helpers";
import { pythonTools, PYTHON_TOOLS_TIMEOUT_MS, type PythonTools } from "./python-tools";

/** The release the wheel is: the image tag must be the same. */
const MALWAR_RELEASE = "0.4.0";

interface SettingsReport {
    prefix: string;
    fields: string[];
    unknown: string[];
    settings: Record<string, unknown> | null;
    error: string | null;
}

function readBySettingsClass(tools: PythonTools, env: Record<string, string>): SettingsReport {
    const out = execFileSync(tools.python, [path.join(__dirname, "malwar_settings.py"), tools.malwarConfigPy], {
        input: JSON.stringify(env),
        encoding: "utf8",
    });
    return JSON.parse(out);
}

/** Each container's MALWAR_* environment, envFrom ConfigMaps and Secrets resolved from the run. */
function malwarEnvironments(run: MockRun): { owner: string; env: Record<string, string> }[] {
    const dataOf = (kind: "ConfigMap" | "Secret", name: string): Record<string, string> => {
        const found = run.resources.map((r) => unwrapSecrets(r.inputs)).filter((o) => o.kind === kind && o.metadata?.name === name);
        assert.equal(found.length, 1, `${kind} ${name} referenced by envFrom`);
        return { ...(found[0].data ?? {}), ...(found[0].stringData ?? {}) };
    };
    return podSpecs(run)
        .flatMap(({ owner, spec }) =>
            [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => {
                const env: Record<string, string> = {};
                for (const from of c.envFrom ?? [])
                    Object.assign(env, from.configMapRef ? dataOf("ConfigMap", from.configMapRef.name) : dataOf("Secret", from.secretRef.name));
                for (const e of c.env ?? []) env[e.name] = e.value;
                return { owner: `${owner}/${c.name}`, env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("MALWAR_"))) };
            }),
        )
        .filter((c) => Object.keys(c.env).length > 0);
}

describe("Malwar's settings, read by Malwar 0.4.0's own settings class", function () {
    let tools: PythonTools;
    before(function () {
        this.timeout(PYTHON_TOOLS_TIMEOUT_MS);
        tools = pythonTools();
    });

    it("is the release the default image runs", async () => {
        const run = await runProgram("stage");
        const images = podSpecs(run)
            .flatMap(({ spec }) => spec.containers.map((c: any) => c.image))
            .filter((i: string) => i.startsWith("ghcr.io/ap6pack/malwar:"));
        assert.deepEqual([...new Set(images)], [`ghcr.io/ap6pack/malwar:${MALWAR_RELEASE}`]);
        assert.ok(tools.malwarConfigPy.includes(`malwar-${MALWAR_RELEASE}/`), tools.malwarConfigPy);
    });

    it("refuses a comma-separated list at start-up, as the issue says (the premise of the JSON arrays)", () => {
        const report = readBySettingsClass(tools, { MALWAR_API_KEYS: "key-one,key-two" });
        assert.match(report.error ?? "", /SettingsError: error parsing value for field "api_keys"/);
        assert.deepEqual(readBySettingsClass(tools, { MALWAR_API_KEYS: '["key-one","key-two"]' }).settings?.api_keys, ["key-one", "key-two"]);
    });

    const everything = {
        sets: {
            "malwar.webhookUrls": '["https://hooks.example.com/a","https://hooks.example.com/b?x=1,2"]',
            "malwar.corsOrigins": '["https://app.example.com","https://admin.example.com:8443"]',
            "malwar.logLevel": "WARNING",
            "malwar.autoMigrate": "false",
            "malwar.webhookVerdicts": '["MALICIOUS","CAUTION"]',
            "malwar.rateLimit.perKey": "1200",
            "malwar.rateLimit.perIp": "30",
            "malwar.llm.model": "claude-opus-4-1",
            "malwar.llm.maxTokens": "1024",
            "malwar.llm.skipBelowRisk": "40",
            "malwar.notifications.email":
                '{"host":"smtp.example.com","port":2587,"useTls":true,"user":"malwar-sender","from":"malwar@example.com","to":["soc@example.com","oncall@example.com"]}',
        },
        config: {
            "scanning-platform:malwarApiKeys": '["key,with-a-comma-0123456789","key-two-0123456789"]',
            "scanning-platform:malwarAnthropicApiKey": "sk-ant-test-0123456789",
            "scanning-platform:malwarWebhookSecret": "whsec-test-0123456789",
            "scanning-platform:malwarSlackWebhookUrl": "https://hooks.slack.com/services/T0/B0/slack-token-0123456789",
            "scanning-platform:malwarTeamsWebhookUrl": "https://example.webhook.office.com/webhookb2/teams-token-0123456789",
            "scanning-platform:malwarPagerdutyRoutingKey": "pd-routing-key-0123456789abcdef01",
            "scanning-platform:malwarSmtpPassword": "smtp-password-0123456789",
        },
        secretKeys: [
            "malwarApiKeys",
            "malwarAnthropicApiKey",
            "malwarWebhookSecret",
            "malwarSlackWebhookUrl",
            "malwarTeamsWebhookUrl",
            "malwarPagerdutyRoutingKey",
            "malwarSmtpPassword",
        ],
    };

    for (const [label, stack, options] of [
        ["stage, defaults", "stage", {}],
        ["prod, defaults", "prod", {}],
        ["local, defaults", "local", {}],
        ["stage, every Malwar setting and secret set", "stage", everything],
    ] as const) {
        it(`${label}: every MALWAR_* name is a field, and Malwar reads each value as configured`, async () => {
            const run = await runProgram(stack, options);
            const containers = malwarEnvironments(run);
            assert.ok(
                containers.some((c) => c.owner === "Deployment/malwar/malwar"),
                "Malwar's container has its settings",
            );
            for (const { owner, env } of containers) {
                const report = readBySettingsClass(tools, env);
                assert.deepEqual(report.unknown, [], `${owner}: names Malwar ${MALWAR_RELEASE} has no setting for (it would ignore them)`);
                assert.equal(report.error, null, `${owner}: Malwar would not start`);
                const read = report.settings!;
                // What the settings mean, from the config given above (not from the program's code).
                if (owner !== "Deployment/malwar/malwar") continue;
                assert.equal(read.db_path, "/data/malwar.db");
                if (options === everything) {
                    assert.deepEqual(read.webhook_urls, ["https://hooks.example.com/a", "https://hooks.example.com/b?x=1,2"]);
                    assert.deepEqual(read.cors_origins, ["https://app.example.com", "https://admin.example.com:8443"]);
                    assert.deepEqual(read.api_keys, ["key,with-a-comma-0123456789", "key-two-0123456789"]);
                    assert.equal(read.anthropic_api_key, "sk-ant-test-0123456789");
                    assert.equal(read.webhook_secret, "whsec-test-0123456789");
                    assert.equal(read.log_level, "WARNING");
                    assert.equal(read.auto_migrate, false);
                    assert.deepEqual(read.webhook_verdicts, ["MALICIOUS", "CAUTION"]);
                    assert.equal(read.rate_limit_per_key, 1200);
                    assert.equal(read.rate_limit_per_ip, 30);
                    assert.equal(read.llm_model, "claude-opus-4-1");
                    assert.equal(read.llm_max_tokens, 1024);
                    assert.equal(read.llm_skip_below_risk, 40);
                    assert.equal(read.slack_webhook_url, "https://hooks.slack.com/services/T0/B0/slack-token-0123456789");
                    assert.equal(read.teams_webhook_url, "https://example.webhook.office.com/webhookb2/teams-token-0123456789");
                    assert.equal(read.pagerduty_routing_key, "pd-routing-key-0123456789abcdef01");
                    assert.equal(read.smtp_host, "smtp.example.com");
                    assert.equal(read.smtp_port, 2587);
                    assert.equal(read.smtp_use_tls, true);
                    assert.equal(read.smtp_user, "malwar-sender");
                    assert.equal(read.smtp_password, "smtp-password-0123456789");
                    assert.equal(read.smtp_from, "malwar@example.com");
                    assert.deepEqual(read.smtp_to, ["soc@example.com", "oncall@example.com"]);
                    assert.deepEqual([...(read.notification_channels as string[])].sort(), ["email", "pagerduty", "slack", "teams"]);
                } else {
                    // Ours differ from Malwar's own defaults on purpose: no cross-origin browser
                    // access (Malwar's default is ["*"]), and always an API key (none = open API).
                    assert.deepEqual(read.cors_origins, []);
                    assert.equal((read.api_keys as string[]).length, 1);
                    assert.deepEqual(read.webhook_urls, []);
                    assert.equal(read.log_level, "INFO");
                    assert.equal(read.auto_migrate, true);
                    // Malwar's own defaults, written out.
                    assert.deepEqual(read.webhook_verdicts, ["MALICIOUS", "SUSPICIOUS"]);
                    assert.equal(read.rate_limit_per_key, 600);
                    assert.equal(read.rate_limit_per_ip, 60);
                    assert.equal(read.llm_model, "claude-sonnet-5");
                    assert.equal(read.llm_max_tokens, 4096);
                    assert.equal(read.llm_skip_below_risk, 15);
                    assert.deepEqual(read.notification_channels, []);
                    assert.equal(read.smtp_host, "");
                }
            }
        });
    }
});
