/**
 * The config loader's messages at their edges: each expected line is written out from the rule
 * the loader documents (one line per problem naming where the value came from, the key, the value
 * with secrets and URL credentials masked, and what is allowed), not taken from a run.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig, requireClusterSelection, stackFile, stackFileAndSets, withoutUrlCredentials } from "../config/load";
import { PROJECT } from "../config/platform";
import { stackConfig } from "../tools/mock-run";
import { ZOD_WORDING } from "./plain-words";

const key = (k: string) => `${PROJECT}:${k}`;

/** prod's committed config with whole keys replaced; the ConfigError's problems. */
function problemsWith(overrides: Record<string, unknown>, secretKeys: string[] = []): string[] {
    const raw = { ...stackConfig("prod") };
    for (const [k, v] of Object.entries(overrides)) raw[key(k)] = typeof v === "string" ? v : JSON.stringify(v);
    try {
        parseConfig(raw, secretKeys.map(key), () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        for (const p of err.problems) assert.doesNotMatch(p, ZOD_WORDING, p);
        return err.problems;
    }
    assert.fail(`expected a config error for ${JSON.stringify(overrides)}`);
}

const prodClair = () => JSON.parse(stackConfig("prod")[key("clair")]);
const withRds = (rds: Record<string, unknown>) => {
    const clair = prodClair();
    return { clair: { ...clair, database: { ...clair.database, rds: { ...clair.database?.rds, ...rds } } } };
};

describe("config messages: the value's kind in plain words", () => {
    it("a quoted decimal or negative number gets the quotes hint, for whole numbers and for numbers", () => {
        assert.deepEqual(problemsWith(withRds({ instanceMemoryGiB: "1.5" })), [
            'Pulumi.prod.yaml: scanning-platform:clair.database.rds.instanceMemoryGiB = "1.5": must be a number of GiB: the quotes make "1.5" text; write 1.5 without them',
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: "-2" } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = "-2": must be a whole number: the quotes make "-2" text; write -2 without them',
        ]);
    });

    it("text that only looks like a number or a boolean gets no quotes hint, and is named as text", () => {
        assert.deepEqual(problemsWith({ clamav: { replicas: "3 pods" } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = "3 pods": must be a whole number, not the text "3 pods"',
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: "3." } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = "3.": must be a whole number, not the text "3."',
        ]);
        assert.deepEqual(problemsWith({ malwar: { autoMigrate: "yes" } }), [
            'Pulumi.prod.yaml: scanning-platform:malwar.autoMigrate = "yes": must be true or false, not the text "yes"',
        ]);
        assert.deepEqual(problemsWith({ malwar: { autoMigrate: "True" } }), [
            'Pulumi.prod.yaml: scanning-platform:malwar.autoMigrate = "True": must be true or false, not the text "True"',
        ]);
    });

    it("the quotes hint only for digits where a number belongs and true/false where a boolean does", () => {
        assert.deepEqual(problemsWith(withRds({ instanceMemoryGiB: "1.25" })), [
            'Pulumi.prod.yaml: scanning-platform:clair.database.rds.instanceMemoryGiB = "1.25": must be a number of GiB: the quotes make "1.25" text; write 1.25 without them',
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: "v3" } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = "v3": must be a whole number, not the text "v3"',
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: "true" } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = "true": must be a whole number, not the text "true"',
        ]);
        assert.deepEqual(problemsWith({ malwar: { autoMigrate: "1" } }), [
            'Pulumi.prod.yaml: scanning-platform:malwar.autoMigrate = "1": must be true or false, not the text "1"',
        ]);
    });

    it("without an origin, a problem says it came from the stack config", () => {
        const raw = { ...stackConfig("prod"), [key("clamav")]: JSON.stringify({ replicas: -1 }) };
        assert.throws(
            () => parseConfig(raw),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.deepEqual(
                    err.problems.map((p) => p.split(" = ")[0]),
                    ["stack config: scanning-platform:clamav.replicas"],
                );
                return true;
            },
        );
    });

    it("a quoted true gets the hint as a quoted false does", () => {
        assert.deepEqual(problemsWith({ malwar: { autoMigrate: "true" } }), [
            'Pulumi.prod.yaml: scanning-platform:malwar.autoMigrate = "true": must be true or false: the quotes make "true" text; write true without them',
        ]);
    });

    it("a boolean, a list or a block where a number belongs is named as such", () => {
        assert.deepEqual(problemsWith({ clamav: { replicas: true } }), [
            "Pulumi.prod.yaml: scanning-platform:clamav.replicas = true: must be a whole number, not true",
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: [3] } }), [
            "Pulumi.prod.yaml: scanning-platform:clamav.replicas = [3]: must be a whole number, not a list",
        ]);
        assert.deepEqual(problemsWith({ clamav: { replicas: { count: 3 } } }), [
            'Pulumi.prod.yaml: scanning-platform:clamav.replicas = {"count":3}: must be a whole number, not a block of keys',
        ]);
    });

    it("a list or true where a block belongs, and a block or a number where a list belongs", () => {
        const clair = prodClair();
        const allowed = "replicas, autoscaling, resources, storageClass, storageSize, layerScanConcurrency, indexReportRequestConcurrency, scanlockRetry";
        assert.deepEqual(problemsWith({ clair: { ...clair, indexer: [1] } }), [
            `Pulumi.prod.yaml: scanning-platform:clair.indexer = [1]: must be a block of keys (${allowed}), not a list`,
        ]);
        assert.deepEqual(problemsWith({ clair: { ...clair, indexer: true } }), [
            `Pulumi.prod.yaml: scanning-platform:clair.indexer = true: must be a block of keys (${allowed}), not true`,
        ]);
        assert.deepEqual(problemsWith({ malwar: { corsOrigins: { a: 1 } } }), [
            "Pulumi.prod.yaml: scanning-platform:malwar.corsOrigins = {\"a\":1}: must be a list (in YAML, one '- item' per line or [a, b]), not a block of keys",
        ]);
        assert.deepEqual(problemsWith({ malwar: { corsOrigins: 5 } }), [
            "Pulumi.prod.yaml: scanning-platform:malwar.corsOrigins = 5: must be a list (in YAML, one '- item' per line or [a, b]), not the number 5",
        ]);
    });

    it("null says to remove the key for its default, or what to give", () => {
        // zod reports a whole-number key's null as expecting "number", so the words cannot say "whole" here.
        const [replicas, ...more] = problemsWith({ clamav: { replicas: null } });
        assert.equal(more.length, 0);
        assert.match(
            replicas,
            /^Pulumi\.prod\.yaml: scanning-platform:clamav\.replicas = null: is empty \(null\): remove the key to use its default, or give a (whole )?number$/,
        );
        assert.deepEqual(problemsWith({ malwar: { corsOrigins: null } }), [
            "Pulumi.prod.yaml: scanning-platform:malwar.corsOrigins = null: is empty (null): remove the key to use its default, or give a list",
        ]);
    });
});

describe("config messages: secrets of the wrong kind are never shown", () => {
    it("a secret given as a number, a block or a list is named [secret] and its content never appears", () => {
        for (const bad of [12345678901, { psk: "zzsecretzz" }, ["zzsecretzz"]]) {
            const problems = problemsWith({ clairPsk: bad }, ["clairPsk"]);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^Pulumi\.prod\.yaml: scanning-platform:clairPsk = \[secret\]: /);
            for (const part of ["12345678901", "zzsecretzz", "psk", "a list", "a block of keys", "the number"]) {
                assert.ok(!problems[0].includes(part), `${part} in ${problems[0]}`);
            }
        }
    });
});

describe("config messages: one line per problem", () => {
    it("every problem is its own '  - ' line under one heading, in the order found", () => {
        const raw = { ...stackConfig("prod"), [key("clamav")]: JSON.stringify({ replicas: -1, image: "clamav/clamav" }) };
        let error: unknown;
        try {
            parseConfig(raw, [], () => "Pulumi.prod.yaml");
        } catch (err) {
            error = err;
        }
        assert.ok(error instanceof ConfigError);
        const lines = error.message.split("\n");
        assert.equal(lines[0], "Invalid stack configuration:");
        assert.equal(lines.length, 1 + error.problems.length);
        assert.equal(error.problems.length, 2, error.message);
        for (const [i, problem] of error.problems.entries()) assert.equal(lines[i + 1], `  - ${problem}`);
        assert.ok(
            error.problems.some((p) => p.startsWith("Pulumi.prod.yaml: scanning-platform:clamav.replicas = -1: ")),
            error.message,
        );
        assert.ok(
            error.problems.some((p) => p.startsWith('Pulumi.prod.yaml: scanning-platform:clamav.image = "clamav/clamav": ')),
            error.message,
        );
    });

    it("a plaintext secret and a schema problem are both reported, not the first alone", () => {
        const psk = Buffer.alloc(32, 9).toString("base64");
        const raw = { ...stackConfig("prod"), [key("clairPsk")]: psk, [key("clamav")]: JSON.stringify({ replicas: -1 }) };
        assert.throws(
            () => parseConfig(raw, [], () => "Pulumi.prod.yaml"),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.equal(err.problems.length, 2, err.message);
                assert.ok(!err.message.includes(psk));
                return true;
            },
        );
    });

    it("a secret key passed as a secret is accepted; the same key of another namespace is not taken for it", () => {
        const psk = Buffer.alloc(32, 9).toString("base64");
        const raw = { ...stackConfig("prod"), [key("clairPsk")]: psk };
        assert.equal(parseConfig(raw, [key("clairPsk")]).clairPsk, psk);
        assert.throws(() => parseConfig(raw, ["clairPsk"]), /scanning-platform:clairPsk: holds a secret in plaintext/);
    });
});

describe("config messages: where a value came from", () => {
    it("the stack file names itself after the stack", () => {
        assert.equal(stackFile("stage")("clair.indexer.replicas"), "Pulumi.stage.yaml");
    });

    it("a --set flag names the key it set, a key inside it and an unknown key holding it; nothing else", () => {
        const origin = stackFileAndSets("prod", {
            "clair.indexer.replicas": "3",
            [`${PROJECT}:malwar.ingress.hosts`]: '["a.example.com"]',
            "clair.indexr.replicas": "2",
        });
        assert.equal(origin("clair.indexer.replicas"), "--set clair.indexer.replicas");
        assert.equal(origin("malwar.ingress.hosts"), "--set malwar.ingress.hosts");
        assert.equal(origin("malwar.ingress.hosts.0"), "--set malwar.ingress.hosts");
        assert.equal(origin("clair.indexr"), "--set clair.indexr.replicas");
        // Neighbours that share a prefix of characters but not of keys come from the stack file.
        assert.equal(origin("clair.indexer.replicasMax"), "Pulumi.prod.yaml");
        assert.equal(origin("clair.index"), "Pulumi.prod.yaml");
        assert.equal(origin("clamav.replicas"), "Pulumi.prod.yaml");
    });
});

describe("config messages: the stack names its cluster", () => {
    it("refuses a stack without kubernetes:context or kubeconfig, naming the key and both ways to set it", () => {
        assert.throws(
            () => requireClusterSelection({ [key("clamav")]: "{}" }, stackFile("prod")),
            (err: unknown) => {
                assert.ok(err instanceof ConfigError);
                assert.equal(err.problems.length, 1);
                assert.match(err.problems[0], /^Pulumi\.prod\.yaml: kubernetes:context = \(unset\): every stack names the cluster it deploys to/);
                assert.match(err.problems[0], /pulumi config set kubernetes:context <name>/);
                assert.match(err.problems[0], /pulumi config set --secret kubernetes:kubeconfig/);
                return true;
            },
        );
        assert.throws(() => requireClusterSelection({ "kubernetes:context": "" }, stackFile("prod")), ConfigError);
        // An empty context given by a flag is named by the flag.
        assert.throws(
            () => requireClusterSelection({ "kubernetes:context": "" }, stackFileAndSets("prod", { "kubernetes:context": "" })),
            /^ConfigError: Invalid stack configuration:\n {2}- --set kubernetes:context: kubernetes:context = \(unset\): /,
        );
    });

    it("takes either a context or a kubeconfig", () => {
        requireClusterSelection({ "kubernetes:context": "sscan" }, stackFile("prod"));
        requireClusterSelection({ "kubernetes:kubeconfig": "apiVersion: v1" }, stackFile("prod"));
    });
});

describe("config messages: URL credentials are masked", () => {
    it("masks user:password@ after any scheme, in any case", () => {
        assert.equal(withoutUrlCredentials("http://u:p@proxy.internal:3128"), "http://[credentials]@proxy.internal:3128");
        assert.equal(withoutUrlCredentials("git+ssh://bot:hunter2@git.example.com/x"), "git+ssh://[credentials]@git.example.com/x");
        assert.equal(withoutUrlCredentials("HTTPS://bot:hunter2@git.example.com/"), "HTTPS://[credentials]@git.example.com/");
        assert.equal(withoutUrlCredentials("s3.v2-x://k:s@bucket"), "s3.v2-x://[credentials]@bucket");
        assert.equal(withoutUrlCredentials("s3://k:s@bucket"), "s3://[credentials]@bucket");
        assert.equal(withoutUrlCredentials('["http://a:b@x","https://c:d@y"]'), '["http://[credentials]@x","https://[credentials]@y"]');
    });

    it("leaves an address after the host, a mail address and a second quoted value alone", () => {
        for (const text of ["https://git.example.com/u@x", "ops@example.com", "https://host and ops@example.com", '["https://a","ops@example.com"]']) {
            assert.equal(withoutUrlCredentials(text), text);
        }
    });
});
