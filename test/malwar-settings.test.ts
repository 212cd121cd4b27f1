/**
 * Malwar's rate limits, LLM cost controls, webhook verdict filter and notification channels, as
 * the program writes them. Names and defaults are Malwar 0.4.0's settings class
 * (malwar/core/config.py): rate_limit_per_key 600, rate_limit_per_ip 60, llm_model
 * claude-sonnet-5, llm_max_tokens 4096, llm_skip_below_risk 15, webhook_verdicts [MALICIOUS,
 * SUSPICIOUS]; test/real/malwar-settings.test.ts has that class read what is written here.
 */
import { strict as assert } from "assert";
import { runProgram, type RunOptions } from "../tools/mock-run";
import { K8S, object, plaintextOf, secretPaths } from "./helpers";

const settingsOf = async (options: RunOptions) => object(await runProgram("stage", options), K8S.configMap, "malwar-settings").data;

const SECRETS = {
    malwarSlackWebhookUrl: "https://hooks.slack.com/services/T0SLACK/B0SLACK/slack-token-0123456789",
    malwarTeamsWebhookUrl: "https://example.webhook.office.com/webhookb2/teams-token-0123456789",
    malwarPagerdutyRoutingKey: "pd-routing-key-0123456789abcdef01",
    malwarSmtpPassword: "smtp-password-0123456789",
};
const EMAIL = {
    host: "smtp.example.com",
    port: 2587,
    useTls: true,
    user: "malwar-sender",
    from: "malwar@example.com",
    to: ["soc@example.com", "oncall@example.com"],
};
const withSecrets = (secrets: Partial<typeof SECRETS>, sets: Record<string, string> = {}): RunOptions => ({
    config: Object.fromEntries(Object.entries(secrets).map(([k, v]) => [`scanning-platform:${k}`, v])),
    secretKeys: Object.keys(secrets),
    sets,
});

async function refused(options: RunOptions, pattern: RegExp, secret?: string): Promise<void> {
    await assert.rejects(runProgram("stage", options), (err: Error & { resourcesRegistered?: number }) => {
        assert.match(err.message, pattern);
        if (secret) assert.ok(!err.message.includes(secret), "the message repeats the secret");
        assert.equal(err.resourcesRegistered, 0, "nothing registered");
        return true;
    });
}

describe("Malwar's rate limits, LLM cost controls and webhook verdicts", () => {
    it("are written with Malwar's own defaults when not configured", async () => {
        const settings = await settingsOf({});
        assert.equal(settings.MALWAR_RATE_LIMIT_PER_KEY, "600");
        assert.equal(settings.MALWAR_RATE_LIMIT_PER_IP, "60");
        assert.equal(settings.MALWAR_LLM_MODEL, "claude-sonnet-5");
        assert.equal(settings.MALWAR_LLM_MAX_TOKENS, "4096");
        assert.equal(settings.MALWAR_LLM_SKIP_BELOW_RISK, "15");
        assert.equal(settings.MALWAR_WEBHOOK_VERDICTS, '["MALICIOUS","SUSPICIOUS"]');
        // Unread by Malwar 0.4.0's rate limiter: never written.
        assert.ok(!("MALWAR_RATE_LIMIT_RPM" in settings));
    });

    it("are written as configured, each under its own name", async () => {
        const settings = await settingsOf({
            sets: {
                "malwar.rateLimit.perKey": "1200",
                "malwar.rateLimit.perIp": "30",
                "malwar.llm.model": "claude-opus-4-1",
                "malwar.llm.maxTokens": "1024",
                "malwar.llm.skipBelowRisk": "40",
                "malwar.webhookVerdicts": '["MALICIOUS","CAUTION","CLEAN"]',
            },
        });
        assert.equal(settings.MALWAR_RATE_LIMIT_PER_KEY, "1200");
        assert.equal(settings.MALWAR_RATE_LIMIT_PER_IP, "30");
        assert.equal(settings.MALWAR_LLM_MODEL, "claude-opus-4-1");
        assert.equal(settings.MALWAR_LLM_MAX_TOKENS, "1024");
        assert.equal(settings.MALWAR_LLM_SKIP_BELOW_RISK, "40");
        assert.deepEqual(JSON.parse(settings.MALWAR_WEBHOOK_VERDICTS), ["MALICIOUS", "CAUTION", "CLEAN"]);
    });

    it("takes the per-IP limit from 7 (the readiness probe's 6 a minute from the node, one late) and 0 or 100 as the LLM threshold", async () => {
        assert.equal((await settingsOf({ sets: { "malwar.rateLimit.perIp": "7" } })).MALWAR_RATE_LIMIT_PER_IP, "7");
        assert.equal((await settingsOf({ sets: { "malwar.llm.skipBelowRisk": "0" } })).MALWAR_LLM_SKIP_BELOW_RISK, "0");
        assert.equal((await settingsOf({ sets: { "malwar.llm.skipBelowRisk": "100" } })).MALWAR_LLM_SKIP_BELOW_RISK, "100");
        assert.equal((await settingsOf({ sets: { "malwar.rateLimit.perKey": "1" } })).MALWAR_RATE_LIMIT_PER_KEY, "1");
    });

    it("refuses what Malwar would misread or what would lock clients out, naming key, value and what is allowed", async () => {
        await refused(
            { sets: { "malwar.rateLimit.perIp": "6" } },
            /--set malwar\.rateLimit\.perIp: scanning-platform:malwar\.rateLimit\.perIp = 6: must be at least 7: the kubelet's readiness probe asks \/api\/v1\/ready every 10 s without an API key/,
        );
        await refused({ sets: { "malwar.rateLimit.perKey": "0" } }, /malwar\.rateLimit\.perKey = 0: must be 1 or more \(at 0 Malwar refuses every request\)/);
        await refused(
            { sets: { "malwar.rateLimit.rpm": "120" } },
            /malwar\.rateLimit\.rpm = 120: is not offered: Malwar 0\.4\.0 reads MALWAR_RATE_LIMIT_RPM into its settings but its rate limiter \(malwar\/api\/middleware\.py\) never uses it; set rateLimit\.perKey/,
        );
        await refused({ sets: { "malwar.llm.maxTokens": "0" } }, /malwar\.llm\.maxTokens = 0: must be 1 or more/);
        await refused({ sets: { "malwar.llm.skipBelowRisk": "101" } }, /malwar\.llm\.skipBelowRisk = 101: must be 0 to 100/);
        await refused({ sets: { "malwar.llm.skipBelowRisk": "-1" } }, /malwar\.llm\.skipBelowRisk = -1: must be 0 to 100/);
        await refused({ sets: { "malwar.llm.model": "gpt-4o" } }, /malwar\.llm\.model = "gpt-4o": must be an Anthropic model id such as claude-sonnet-5/);
        await refused(
            { sets: { "malwar.webhookVerdicts": '["malicious"]' } },
            /malwar\.webhookVerdicts\.0 = "malicious": must be one of MALICIOUS, SUSPICIOUS, CAUTION, CLEAN, in upper case/,
        );
        await refused({ sets: { "malwar.webhookVerdicts": '["CLEAN","CLEAN"]' } }, /malwar\.webhookVerdicts\.1 = "CLEAN": is listed twice/);
        await refused(
            { sets: { "malwar.webhookVerdicts": "[]" } },
            /malwar\.webhookVerdicts = \[\]: must list at least one verdict \(to send no webhooks, leave malwar\.webhookUrls empty\)/,
        );
    });
});

describe("Malwar's notification channels", () => {
    it("none configured: no channel list and no mail settings", async () => {
        const run = await runProgram("stage", {});
        const settings = object(run, K8S.configMap, "malwar-settings").data;
        assert.deepEqual(
            Object.keys(settings).filter((k) => /NOTIFICATION|SMTP|SLACK|TEAMS|PAGERDUTY/.test(k)),
            [],
        );
        assert.deepEqual(
            Object.keys(object(run, K8S.secret, "malwar-secrets").stringData).filter((k) => /SMTP|SLACK|TEAMS|PAGERDUTY/.test(k)),
            [],
        );
    });

    it("each channel's secret is in the Secret only, the channel list names each configured channel, the mail settings are in the ConfigMap", async () => {
        const run = await runProgram("stage", withSecrets(SECRETS, { "malwar.notifications.email": JSON.stringify(EMAIL) }));
        const secret = object(run, K8S.secret, "malwar-secrets").stringData;
        assert.equal(secret.MALWAR_SLACK_WEBHOOK_URL, SECRETS.malwarSlackWebhookUrl);
        assert.equal(secret.MALWAR_TEAMS_WEBHOOK_URL, SECRETS.malwarTeamsWebhookUrl);
        assert.equal(secret.MALWAR_PAGERDUTY_ROUTING_KEY, SECRETS.malwarPagerdutyRoutingKey);
        assert.equal(secret.MALWAR_SMTP_PASSWORD, SECRETS.malwarSmtpPassword);
        const settings = object(run, K8S.configMap, "malwar-settings").data;
        // Named, so that Malwar does not add its router's second webhook delivery.
        assert.deepEqual(JSON.parse(settings.MALWAR_NOTIFICATION_CHANNELS).sort(), ["email", "pagerduty", "slack", "teams"]);
        assert.equal(settings.MALWAR_SMTP_HOST, "smtp.example.com");
        assert.equal(settings.MALWAR_SMTP_PORT, "2587");
        assert.equal(settings.MALWAR_SMTP_USE_TLS, "true");
        assert.equal(settings.MALWAR_SMTP_USER, "malwar-sender");
        assert.equal(settings.MALWAR_SMTP_FROM, "malwar@example.com");
        assert.deepEqual(JSON.parse(settings.MALWAR_SMTP_TO), ["soc@example.com", "oncall@example.com"]);
        // Nowhere else in plaintext: not in any other resource, not in the Secret's own plaintext, not in an output.
        for (const r of run.resources) {
            const visible = plaintextOf(r.inputs);
            for (const value of Object.values(SECRETS)) assert.ok(!visible.includes(value), `${r.type} ${r.name} shows ${value}`);
        }
        const secretResource = run.resources.find((r) => r.type === K8S.secret && plaintextOf(r.inputs).includes('"malwar-secrets"'));
        assert.deepEqual(secretPaths(secretResource!.inputs), ["stringData"]);
        for (const value of Object.values(SECRETS)) assert.ok(!JSON.stringify(run.outputs).includes(value), "no secret in an output");
    });

    it("one channel alone is named alone; mail without a user logs in to nothing and has no password", async () => {
        const slack = object(
            await runProgram("stage", withSecrets({ malwarSlackWebhookUrl: SECRETS.malwarSlackWebhookUrl })),
            K8S.configMap,
            "malwar-settings",
        ).data;
        assert.equal(slack.MALWAR_NOTIFICATION_CHANNELS, '["slack"]');
        const { user: _none, ...anonymous } = EMAIL;
        const run = await runProgram("stage", { sets: { "malwar.notifications.email": JSON.stringify({ ...anonymous, useTls: false, port: 25 }) } });
        const mail = object(run, K8S.configMap, "malwar-settings").data;
        assert.equal(mail.MALWAR_NOTIFICATION_CHANNELS, '["email"]');
        assert.equal(mail.MALWAR_SMTP_USE_TLS, "false");
        assert.equal(mail.MALWAR_SMTP_PORT, "25");
        assert.ok(!("MALWAR_SMTP_USER" in mail));
        assert.ok(!("MALWAR_SMTP_PASSWORD" in object(run, K8S.secret, "malwar-secrets").stringData));
    });

    it("refuses plaintext secrets, bad channel URLs and mail settings Malwar cannot use, without repeating the secret", async () => {
        await assert.rejects(runProgram("stage", { config: { "scanning-platform:malwarSlackWebhookUrl": SECRETS.malwarSlackWebhookUrl } }), (err: Error) => {
            assert.match(
                err.message,
                /scanning-platform:malwarSlackWebhookUrl: holds a secret in plaintext; set it with 'pulumi config set --secret malwarSlackWebhookUrl \.\.\.'/,
            );
            return true;
        });
        await refused(
            withSecrets({ malwarSlackWebhookUrl: "http://hooks.slack.com/services/T0/B0/plain-token-0123456789" }),
            /malwarSlackWebhookUrl = \[secret\]: uses http:, which this setting cannot use; must be an https:\/\/ URL/,
            "plain-token-0123456789",
        );
        await refused(
            withSecrets({ malwarTeamsWebhookUrl: "https://example.webhook.office.com:8443/webhookb2/port-token-0123456789" }),
            /malwarTeamsWebhookUrl = \[secret\]: uses a port other than 443, which Malwar's NetworkPolicy does not admit/,
            "port-token-0123456789",
        );
        await refused(
            withSecrets({ malwarPagerdutyRoutingKey: "two words-0123456789" }),
            /malwarPagerdutyRoutingKey = \[secret\]: must be the Events API v2 integration key: no spaces or line breaks/,
            "0123456789",
        );
        await refused(
            withSecrets({ malwarSmtpPassword: SECRETS.malwarSmtpPassword }),
            /malwarSmtpPassword = \[secret\]: is not used without malwar\.notifications\.email\.host/,
            SECRETS.malwarSmtpPassword,
        );
        const { user: _none, ...anonymous } = EMAIL;
        await refused(
            withSecrets({ malwarSmtpPassword: SECRETS.malwarSmtpPassword }, { "malwar.notifications.email": JSON.stringify(anonymous) }),
            /malwarSmtpPassword = \[secret\]: needs malwar\.notifications\.email\.user/,
            SECRETS.malwarSmtpPassword,
        );
        await refused(
            withSecrets({ malwarSmtpPassword: SECRETS.malwarSmtpPassword }, { "malwar.notifications.email": JSON.stringify({ ...EMAIL, useTls: false }) }),
            /malwarSmtpPassword = \[secret\]: would be sent unencrypted/,
            SECRETS.malwarSmtpPassword,
        );
        await refused(
            { sets: { "malwar.notifications.email": JSON.stringify({ ...EMAIL, port: 465 }) } },
            /malwar\.notifications\.email\.port = 465: must not be 465: that port expects TLS from the first byte/,
        );
        await refused(
            { sets: { "malwar.notifications.email": JSON.stringify({ ...EMAIL, to: [] }) } },
            /malwar\.notifications\.email\.to = \[\]: must list at least one address with malwar\.notifications\.email\.host/,
        );
        const { from: _from, ...noSender } = EMAIL;
        await refused(
            { sets: { "malwar.notifications.email": JSON.stringify(noSender) } },
            /malwar\.notifications\.email\.from = \(unset\): is required with malwar\.notifications\.email\.host/,
        );
        await refused(
            { sets: { "malwar.notifications.email.user": "malwar-sender" } },
            /--set malwar\.notifications\.email\.user: scanning-platform:malwar\.notifications\.email\.user = "malwar-sender": is set but malwar\.notifications\.email\.host is not: mail is off without a mail server/,
        );
        await refused(
            { sets: { "malwar.notifications.email.to": '["soc@example.com"]' } },
            /malwar\.notifications\.email\.to = \["soc@example\.com"\]: is set but malwar\.notifications\.email\.host is not/,
        );
        await refused(
            { sets: { "malwar.notifications.email": JSON.stringify({ ...EMAIL, from: "Malwar <malwar@example.com>" }) } },
            /malwar\.notifications\.email\.from = "Malwar <malwar@example\.com>": must be a bare address such as alerts@example\.com/,
        );
        await refused(
            { sets: { "malwar.notifications.email": JSON.stringify({ ...EMAIL, host: "smtp example.com" }) } },
            /malwar\.notifications\.email\.host = "smtp example\.com":/,
        );
    });
});
