/**
 * clair.configOverrides: a partial Clair config merged into the rendered file(s) for keys the
 * program does not model. Key names from Clair v4.8.0's config package (config/*.go json tags);
 * the real lane has Clair's own decoder read the merged files (test/real/clair-config-go.test.ts).
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { runProgram, type MockRun } from "../tools/mock-run";
import { K8S, object } from "./helpers";

const configOf = (run: MockRun, file = "config.yaml") => parse(object(run, K8S.secret, "clair-config").stringData[file]);
/** A section without its connstring, whose generated password differs from run to run. */
const withoutConnstring = ({ connstring: _c, ...rest }: Record<string, unknown>) => rest;
const withOverride = (override: unknown, sets: Record<string, string> = {}) =>
    runProgram("stage", { sets: { "clair.configOverrides": JSON.stringify(override), ...sets } });

async function refused(override: unknown, message: RegExp, sets: Record<string, string> = {}): Promise<void> {
    await assert.rejects(withOverride(override, sets), (err: Error) => {
        assert.match(err.message, message);
        return true;
    });
}

describe("Clair config overrides (clair.configOverrides)", () => {
    it("merges keys the program does not model into the file, beside the program's own keys in the same section", async () => {
        const plain = configOf(await runProgram("stage"));
        const override = {
            matchers: { config: { rhel: { ignore_unpatched: true } } },
            indexer: { scanner: { repo: { "rhel-repository-scanner": { disable_api: true } } } },
            matcher: { cache_age: "12h" },
            notifier: { disable_summary: true },
            trace: { name: "otlp", probability: 0.1 },
        };
        const cfg = configOf(await withOverride(override));
        assert.deepEqual(cfg.matchers, { config: { rhel: { ignore_unpatched: true } } });
        assert.deepEqual(cfg.trace, { name: "otlp", probability: 0.1 });
        assert.deepEqual(withoutConnstring(cfg.indexer), {
            ...withoutConnstring(plain.indexer),
            scanner: { repo: { "rhel-repository-scanner": { disable_api: true } } },
        });
        assert.deepEqual(withoutConnstring(cfg.matcher), { ...withoutConnstring(plain.matcher), cache_age: "12h" });
        assert.deepEqual(withoutConnstring(cfg.notifier), { ...withoutConnstring(plain.notifier), disable_summary: true });
        for (const section of ["indexer", "matcher", "notifier"]) assert.match(cfg[section].connstring, new RegExp(`^host=clair-${section}-stage\\.`));
        assert.deepEqual(Object.keys(cfg.auth.psk), ["key", "iss"]);
    });

    it("adds headers to the stack's webhook and keeps its target and callback", async () => {
        const sets = { "clair.notifier.webhookTarget": "https://quay.example/secscan/notification" };
        const cfg = configOf(await withOverride({ notifier: { webhook: { headers: { "X-Team": ["security"] }, signed: true } } }, sets));
        assert.deepEqual(cfg.notifier.webhook, {
            target: "https://quay.example/secscan/notification",
            callback: "https://clair.stage.quay.io/notifier/api/v1/notification/",
            headers: { "X-Team": ["security"] },
            signed: true,
        });
        // The local stack has no webhook.
        await assert.rejects(
            runProgram("local", { sets: { "clair.configOverrides": JSON.stringify({ notifier: { webhook: { signed: true } } }) } }),
            /clair\.configOverrides\.notifier\.webhook = \{"signed":true\}: adds to a webhook this stack does not have: set clair\.notifier\.webhookTarget/,
        );
    });

    it("goes into the dedicated updater's file too", async () => {
        const run = await withOverride({ matchers: { config: { rhel: { ignore_unpatched: true } } } }, { "clair.updaters.dedicated": "true" });
        assert.deepEqual(configOf(run, "updater.yaml").matchers, { config: { rhel: { ignore_unpatched: true } } });
        assert.deepEqual(configOf(run).matchers, { config: { rhel: { ignore_unpatched: true } } });
    });

    // The keys the program owns: the connection strings, the PSK and the addresses, and every key
    // it writes from a key of its own (named in the refusal).
    const owned: [unknown, RegExp][] = [
        [
            { indexer: { connstring: "host=elsewhere" } },
            /clair\.configOverrides\.indexer\.connstring = "host=elsewhere": is a key this program owns and cannot be overridden: the program's connection string/,
        ],
        [{ matcher: { connstring: "host=elsewhere" } }, /clair\.configOverrides\.matcher\.connstring = "host=elsewhere": is a key this program owns/],
        [{ notifier: { connstring: "host=elsewhere" } }, /clair\.configOverrides\.notifier\.connstring = "host=elsewhere": is a key this program owns/],
        [
            { auth: { psk: { key: "c2VjcmV0" } } },
            /clair\.configOverrides\.auth = \{"psk":\{"key":"c2VjcmV0"\}\}: is a key this program owns and cannot be overridden: the program's: the PSK/,
        ],
        [
            { matcher: { indexer_addr: "http://other/" } },
            /clair\.configOverrides\.matcher\.indexer_addr = "http:\/\/other\/": is a key this program owns and cannot be overridden: the program's address of the indexer Service/,
        ],
        [{ notifier: { matcher_addr: "http://other/" } }, /clair\.configOverrides\.notifier\.matcher_addr = "http:\/\/other\/": is a key this program owns/],
        [
            { http_listen_addr: ":6060" },
            /clair\.configOverrides\.http_listen_addr = ":6060": is a key this program owns and cannot be overridden: the program's address/,
        ],
        [{ introspection_addr: ":9000" }, /clair\.configOverrides\.introspection_addr = ":9000": is a key this program owns/],
        [
            { matcher: { update_retention: 3 } },
            /clair\.configOverrides\.matcher\.update_retention = 3: is a key this program owns and cannot be overridden: set by clair\.matcher\.updateRetention/,
        ],
        [
            { matcher: { disable_updaters: true } },
            /clair\.configOverrides\.matcher\.disable_updaters = true: .*set by clair\.disconnected\.enabled or clair\.updaters\.dedicated/,
        ],
        [{ updaters: { sets: ["osv"] } }, /clair\.configOverrides\.updaters\.sets = \["osv"\]: .*set by clair\.updaters\.sets/],
        [{ log_level: "debug" }, /clair\.configOverrides\.log_level = "debug": .*set by clair\.logLevel/],
    ];
    for (const [override, message] of owned) {
        it(`refuses ${JSON.stringify(override)}, naming the key`, async () => {
            await refused(override, message);
        });
    }

    it("refuses a key Clair does not read (Clair would not start), naming the keys of that section", async () => {
        await refused(
            { matcher: { cache_ages: "12h" } },
            /clair\.configOverrides\.matcher\.cache_ages = "12h": is not a key Clair 4\.8\.0 reads, and Clair refuses to start on a file with one; keys of Clair's matcher section: cache_age, connstring, disable_updaters, indexer_addr, max_conn_pool, migrations, period, update_retention/,
        );
        await refused(
            { scanner: {} },
            /clair\.configOverrides\.scanner = \{\}: is not a key Clair 4\.8\.0 reads.*keys of the top of Clair's config: auth, http_listen_addr, indexer, introspection_addr, log_level, matcher, matchers, metrics, notifier, tls, trace, updaters$/m,
        );
    });

    it("refuses a key spelt in another case (Clair would read it as the documented key, owned ones included)", async () => {
        await refused({ Matcher: { cache_age: "12h" } }, /clair\.configOverrides\.Matcher = \{"cache_age":"12h"\}: must be spelt matcher/);
    });

    it("refuses a scalar where Clair has a section", async () => {
        await refused(
            { trace: "otlp" },
            /clair\.configOverrides\.trace = "otlp": must be a mapping of Clair's trace keys \(jaeger, name, otlp, probability, sentry\)/,
        );
        await refused({ matchers: { config: [] } }, /clair\.configOverrides\.matchers\.config = \[\]: must be a mapping/);
    });
});
