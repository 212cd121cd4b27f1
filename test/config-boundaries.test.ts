/**
 * Config rules at their boundaries, without running the program: one edit (a "did you mean"
 * hint) against two, an autoscaler's range with min equal to max, and Clair's Ingress exposure
 * with and without its TLS Secret.
 */
import { strict as assert } from "assert";
import { likelyMeant, oneEditApart } from "../config/keys";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { stackConfig } from "../tools/mock-run";

const key = (k: string) => `${PROJECT}:${k}`;
const prodClair = () => JSON.parse(stackConfig("prod")[key("clair")]);

function problems(overrides: Record<string, unknown>): string[] {
    const raw = { ...stackConfig("prod") };
    for (const [k, v] of Object.entries(overrides)) raw[key(k)] = JSON.stringify(v);
    try {
        parseConfig(raw, [], () => "Pulumi.prod.yaml");
        return [];
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err.problems;
    }
}

describe("config boundaries: one edit gets a hint, two do not", () => {
    it("one insertion, deletion, replacement or swap of neighbours, at the start, inside and at the end", () => {
        for (const [a, b] of [
            ["replicas", "xreplicas"],
            ["replicas", "replicasx"],
            ["replicas", "repXlicas"],
            ["replicas", "eplicas"],
            ["replicas", "replica"],
            ["replicas", "repicas"],
            ["replicas", "xeplicas"],
            ["replicas", "replicax"],
            ["replicas", "repxicas"],
            ["replicas", "erplicas"],
            ["replicas", "replicsa"],
            ["replicas", "repilcas"],
            ["a", "b"],
            ["", "a"],
        ]) {
            assert.equal(oneEditApart(a, b), true, `${a} / ${b}`);
            assert.equal(oneEditApart(b, a), true, `${b} / ${a}`);
        }
    });

    it("equal names, two edits of any kind, or a swap of letters that are not neighbours, are not one edit", () => {
        for (const [a, b] of [
            ["replicas", "replicas"],
            ["replicas", "xxreplicas"],
            ["replicas", "replic"],
            ["replicas", "rxplicxs"],
            ["replicas", "xreplica"],
            ["replicas", "erplicsa"],
            ["replicas", "rpelicsa"],
            ["replicas", "rlpeicas"],
            ["replicas", "sreplica"],
            ["ab", "ba x"],
            ["abc", "cba"],
            ["abcd", "badc"],
            // Two replacements that look like half a swap: only one of the two letters crossed over.
            ["abc", "bxc"],
            ["abc", "xac"],
        ] as [string, string][]) {
            assert.equal(oneEditApart(a, b), false, `${a} / ${b}`);
            assert.equal(oneEditApart(b, a), false, `${b} / ${a}`);
        }
    });

    it("the hint takes a different case as one name, and never suggests the name itself", () => {
        assert.equal(likelyMeant("Replicas", ["image", "replicas"]), "replicas");
        assert.equal(likelyMeant("REPLCIAS", ["image", "replicas"]), "replicas");
        assert.equal(likelyMeant("replicas", ["replicas"]), undefined);
        assert.equal(likelyMeant("repl", ["image", "replicas"]), undefined);
    });

    it("in a message: a name two edits from every allowed key gets the list but no hint", () => {
        const [line, ...more] = problems({ clair: { ...prodClair(), indexer: { rpelicsa: 3 } } });
        assert.equal(more.length, 0);
        assert.match(line, /^Pulumi\.prod\.yaml: scanning-platform:clair\.indexer\.rpelicsa: unknown key; allowed here: replicas, /);
    });
});

describe("config boundaries: an autoscaler's range", () => {
    const indexer = (autoscaling: Record<string, unknown>, replicas = 2) => ({
        clair: { ...prodClair(), indexer: { ...prodClair().indexer, replicas, autoscaling } },
    });

    it("max equal to min is a range; max one below is not", () => {
        assert.deepEqual(problems(indexer({ enabled: true, minReplicas: 3, maxReplicas: 3 })), []);
        assert.deepEqual(problems(indexer({ enabled: true, maxReplicas: 2 }, 2)), []);
        const [line, ...more] = problems(indexer({ enabled: true, minReplicas: 3, maxReplicas: 2 }));
        assert.equal(more.length, 0);
        assert.equal(
            line,
            "Pulumi.prod.yaml: scanning-platform:clair.indexer.autoscaling.maxReplicas = 2: is below the autoscaler's minimum 3 (clair.indexer.autoscaling.minReplicas): it must be at least that",
        );
        assert.deepEqual(problems(indexer({ enabled: true, maxReplicas: 1 }, 2)), [
            "Pulumi.prod.yaml: scanning-platform:clair.indexer.autoscaling.maxReplicas = 1: is below the autoscaler's minimum 2 (clair.indexer.replicas): it must be at least that",
        ]);
    });

    it("with replicas 0, an autoscaler needs its own minimum of at least 1", () => {
        const [line, ...more] = problems(indexer({ enabled: true, maxReplicas: 3 }, 0));
        assert.equal(more.length, 0);
        assert.equal(
            line,
            "Pulumi.prod.yaml: scanning-platform:clair.indexer.autoscaling.minReplicas = (unset): is required when clair.indexer.replicas is 0 and clair.indexer.autoscaling.enabled is true: an autoscaler runs at least 1 pod",
        );
        assert.deepEqual(problems(indexer({ enabled: true, minReplicas: 1, maxReplicas: 3 }, 0)), []);
    });

    it("min and max are refused while the autoscaler is off, each by name", () => {
        assert.deepEqual(problems(indexer({ minReplicas: 1, maxReplicas: 3 })), [
            "Pulumi.prod.yaml: scanning-platform:clair.indexer.autoscaling.minReplicas = 1: is used only while clair.indexer.autoscaling.enabled is true: set it to true, or remove this key",
            "Pulumi.prod.yaml: scanning-platform:clair.indexer.autoscaling.maxReplicas = 3: is used only while clair.indexer.autoscaling.enabled is true: set it to true, or remove this key",
        ]);
    });
});

describe("config boundaries: Clair behind an Ingress", () => {
    it("needs the TLS Secret the Ingress terminates with", () => {
        assert.deepEqual(problems({ clair: { ...prodClair(), exposure: "ingress" } }), [
            "Pulumi.prod.yaml: scanning-platform:clair.tlsSecretName = (unset): is required when exposure is 'ingress' (the Ingress terminates TLS)",
        ]);
        assert.deepEqual(problems({ clair: { ...prodClair(), exposure: "ingress", tlsSecretName: "clair-tls" } }), []);
    });
});

describe("config boundaries: Clair's counts at their minimum and maximum", () => {
    const set = (block: "matcher" | "indexer", values: Record<string, unknown>) => ({
        clair: { ...prodClair(), [block]: { ...prodClair()[block], ...values } },
    });

    it("update retention: 2 (Clair's minimum) and 0 (garbage collection off) pass", () => {
        assert.deepEqual(problems(set("matcher", { updateRetention: 2 })), []);
        assert.deepEqual(problems(set("matcher", { updateRetention: 0 })), []);
    });

    it("scan lock retry: 1 and 10 seconds pass", () => {
        assert.deepEqual(problems(set("indexer", { scanlockRetry: 1 })), []);
        assert.deepEqual(problems(set("indexer", { scanlockRetry: 10 })), []);
    });
});

describe("config boundaries: monitoring's label keys and values", () => {
    const scraperLabels = (podLabels: Record<string, string>) =>
        problems({ monitoring: { ...JSON.parse(stackConfig("prod")[key("monitoring")] ?? "{}"), scraper: { podLabels } } });
    const KEY = "is not a label key: an optional prefix such as app.kubernetes.io/ and a name of letters, digits, '-', '_' and '.' (at most 63)";
    const VALUE = "is not a label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit";
    const n63 = "a".repeat(62) + "1";
    const n64 = "a".repeat(63) + "1";

    it("a name of 63 with a prefix, a value of 63 and an empty value pass", () => {
        assert.deepEqual(scraperLabels({ [`example.com/${n63}`]: n63, team: "" }), []);
    });

    it("a name of 64, a value of 64, an upper-case or empty prefix, or two '/' are refused", () => {
        const at = (k: string, shown: string, why: string) => `Pulumi.prod.yaml: scanning-platform:monitoring.scraper.podLabels.${k} = ${shown}: ${why}`;
        assert.deepEqual(scraperLabels({ [n64]: "x" }), [at(n64, '"x"', KEY)]);
        assert.deepEqual(scraperLabels({ team: n64 }), [at("team", `"${n64}"`, VALUE)]);
        assert.deepEqual(scraperLabels({ "Example.com/team": "x" }), [at("Example.com/team", '"x"', KEY)]);
        assert.deepEqual(scraperLabels({ "/team": "x" }), [at("/team", '"x"', KEY)]);
        assert.deepEqual(scraperLabels({ "example.com/a/team": "x" }), [at("example.com/a/team", '"x"', KEY)]);
    });
});
