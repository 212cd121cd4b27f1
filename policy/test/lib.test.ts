import { strict as assert } from "assert";
import { clairIndexerStorage } from "../clair-indexer-storage";
import { imagePinning, isDigestPinned, isPinned } from "../lib/images";
import { compareQuantities, isQuantity, quantitiesEqual, quantityProblem, quantityToGiB, quantityToNumber } from "../lib/quantity";
import { knownInstanceClasses, maxConnectionsFor } from "../lib/rds";
import { containersOf, podSpecOf, WORKLOAD_KINDS } from "../lib/workloads";
import { container, deployment, podSpec } from "./fixtures";
import { checkResource } from "./harness";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("lib/quantity", () => {
    it("compares by value, not by spelling", () => {
        assert.ok(quantitiesEqual("2", "2000m"));
        assert.ok(quantitiesEqual("2Gi", "2048Mi"));
        assert.ok(quantitiesEqual("1e3", "1k"));
        assert.ok(quantitiesEqual(2, "2"));
        assert.ok(quantitiesEqual("0.5", "500m"));
        assert.ok(quantitiesEqual("1E3", "1000"));
        assert.ok(quantitiesEqual("1Ki", "1024"));
        assert.ok(quantitiesEqual("1500000u", "1.5"));
        // 1G is 10^9 bytes, 1Gi is 2^30: close, not equal.
        assert.ok(!quantitiesEqual("1G", "1Gi"));
        assert.equal(compareQuantities("100m", "0.2"), -1);
        assert.equal(compareQuantities("4Gi", "4G"), 1);
        assert.equal(compareQuantities("0.125Ti", "100Gi"), 1);
    });

    it("rejects malformed quantities", () => {
        for (const bad of ["2 cores", "2GB", "", "Gi", "1.2.3", " 2", "2Mib", "abc", "1e", "--1", null, undefined, {}, Number.NaN]) {
            assert.equal(isQuantity(bad), false, `${JSON.stringify(bad)} should be malformed`);
        }
        assert.throws(() => compareQuantities("2GB", "2"), /not a Kubernetes quantity/);
    });

    it("accepts positive CPU in cores or millicores only, at least 1m", () => {
        for (const ok of ["2", "0.5", ".5", ".25", "250m", "1m", "0.001", "64"]) assert.equal(quantityProblem(ok, "cpu"), undefined, ok);
        assert.equal(quantityProblem(2, "cpu"), undefined, "a YAML number");
        const cases: [unknown, string][] = [
            ["0", "must be more than 0"],
            ["0m", "must be more than 0"],
            ["-2", "must be more than 0"],
            ["-500m", "must be more than 0"],
            ["1Gi", "is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)"],
            ["1k", "is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)"],
            ["1e3", "is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)"],
            ["2.5m", "is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)"],
            ["0.0005", "is finer than 1m, the smallest CPU unit"],
            ["2 cores", "is not a Kubernetes quantity"],
            [undefined, "is not a Kubernetes quantity"],
        ];
        for (const [input, why] of cases) assert.equal(quantityProblem(input, "cpu"), why, String(input));
    });

    it("accepts positive whole bytes, with a unit where one is required", () => {
        for (const ok of ["2Gi", "512Mi", "1.5Gi", "100G", "1k", "1Ei", "0.5Ki"]) {
            assert.equal(quantityProblem(ok, "bytes", { unit: "required" }), undefined, ok);
            assert.equal(quantityProblem(ok, "bytes"), undefined, ok);
        }
        assert.equal(quantityProblem("100", "bytes"), undefined, "a bare number of bytes is a valid manifest value");
        assert.equal(quantityProblem("1e9", "bytes"), undefined);
        const cases: [string, string][] = [
            ["100", "has no unit, so it counts bytes (100 bytes)"],
            ["1e9", "has no unit, so it counts bytes (1e9 bytes)"],
            ["0Gi", "must be more than 0"],
            ["-100Gi", "must be more than 0"],
            ["2m", "is a fraction of a byte: the suffix m means milli- (for mebibytes write Mi)"],
            ["512m", "is a fraction of a byte: the suffix m means milli- (for mebibytes write Mi)"],
            ["2u", "is a fraction of a byte: the suffix u means micro- (for mebibytes write Mi)"],
            ["2n", "is a fraction of a byte: the suffix n means nano- (for mebibytes write Mi)"],
            ["0.1Ki", "is not a whole number of bytes"],
            ["2GB", "is not a Kubernetes quantity"],
        ];
        for (const [input, why] of cases) assert.equal(quantityProblem(input, "bytes", { unit: "required" }), why, input);
        assert.equal(quantityProblem("1.5", "bytes"), "is not a whole number of bytes");
    });

    it("parses every suffix to its exact value", () => {
        // Binary suffixes are powers of 2^10, decimal ones powers of 10; exponents are powers of 10.
        const expected: [string, bigint][] = [
            ["1Ki", 2n ** 10n],
            ["1Mi", 2n ** 20n],
            ["1Gi", 2n ** 30n],
            ["1Ti", 2n ** 40n],
            ["1Pi", 2n ** 50n],
            ["1Ei", 2n ** 60n],
            ["1k", 10n ** 3n],
            ["1M", 10n ** 6n],
            ["1G", 10n ** 9n],
            ["1T", 10n ** 12n],
            ["1P", 10n ** 15n],
            ["1E", 10n ** 18n],
            ["1e3", 10n ** 3n],
            ["1E6", 10n ** 6n],
            ["+7", 7n],
            ["12", 12n],
        ];
        for (const [text, value] of expected) assert.ok(quantitiesEqual(text, value.toString()), text);
        for (const [text, inverse] of [
            ["1m", 1000n],
            ["1u", 10n ** 6n],
            ["1n", 10n ** 9n],
            ["1e-3", 1000n],
        ] as const) {
            assert.equal(compareQuantities(text, "0"), 1, text);
            assert.ok(quantitiesEqual(`${inverse}${text.slice(1)}`, "1"), `${inverse}${text.slice(1)}`);
        }
        assert.equal(compareQuantities("-1", "1"), -1);
        assert.equal(isQuantity("1e1001"), false, "exponents beyond 1000 are refused");
        assert.equal(isQuantity(Infinity), false);
    });

    it("converts to numbers for summaries", () => {
        assert.equal(quantityToNumber("250m"), 0.25);
        assert.equal(quantityToGiB("100Gi"), 100);
        assert.equal(quantityToGiB("512Mi"), 0.5);
    });
});

describe("lib/images: the one pinning rule", () => {
    it("pins by tag (not latest) or by digest", () => {
        assert.deepEqual(imagePinning("clamav/clamav:1.4.3"), { pinned: true, by: "tag" });
        assert.deepEqual(imagePinning("registry.k8s.io/kubectl:v1.33.5"), { pinned: true, by: "tag" });
        // The port belongs to the registry; the tag is in the last segment.
        assert.deepEqual(imagePinning("localhost:5000/a/b:1"), { pinned: true, by: "tag" });
        assert.deepEqual(imagePinning(`quay.io/projectquay/clair@${DIGEST}`), { pinned: true, by: "digest" });
        assert.deepEqual(imagePinning(`postgres:16.4@${DIGEST}`), { pinned: true, by: "digest" });
        // A digest pins the bits whatever tag stands before it.
        assert.deepEqual(imagePinning(`postgres:latest@${DIGEST}`), { pinned: true, by: "digest" });
        assert.ok(isPinned(`a:${"x".repeat(128)}`), "a tag may be 128 characters long");
    });

    it("tells the moving tag latest from no tag at all", () => {
        assert.deepEqual(imagePinning("clamav/clamav:latest"), { pinned: false, why: "latest" });
        assert.deepEqual(imagePinning("localhost:5000/a/b:latest"), { pinned: false, why: "latest" });
        for (const bad of ["clamav/clamav", "localhost:5000/a/b", "a:", "a:-1", "a:.1", `a:${"x".repeat(129)}`, "", undefined, null, 42]) {
            assert.deepEqual(imagePinning(bad), { pinned: false, why: "unpinned" }, String(bad));
            assert.equal(isPinned(bad), false, String(bad));
        }
    });

    it("isDigestPinned holds for digests only", () => {
        assert.ok(isDigestPinned(`x@${DIGEST}`));
        assert.ok(isDigestPinned(`x:1.0@${DIGEST}`));
        for (const other of ["x:1.0", "x:latest", "x", undefined]) assert.equal(isDigestPinned(other), false, String(other));
    });
});

describe("lib/rds", () => {
    it("derives max_connections from the class memory as RDS does: 90% of it over 9531392 bytes, at most 5000", () => {
        // 16 GiB: 16 * 2^30 * 0.9 / 9531392 = 1622.2
        assert.equal(maxConnectionsFor("db.m6g.xlarge"), Math.floor((16 * 2 ** 30 * 0.9) / 9531392));
        assert.equal(maxConnectionsFor("db.m6g.xlarge"), 1622);
        // 8 GiB: 811.1; 1 GiB: 101.4
        assert.equal(maxConnectionsFor("db.m6g.large"), 811);
        assert.equal(maxConnectionsFor("db.t4g.micro"), 101);
        // 64 GiB would give 6488: capped
        assert.equal(maxConnectionsFor("db.r6g.2xlarge"), 5000);
        assert.throws(() => maxConnectionsFor("db.x9.huge"), /unknown RDS instance class db\.x9\.huge/);
        assert.equal(knownInstanceClasses["db.m6g.xlarge"], 16);
    });
});

describe("lib/workloads", () => {
    const spec = podSpec([container("app")], [container("init")]);

    it("knows every Kubernetes kind that carries a pod template, by its Pulumi type", () => {
        assert.deepEqual(WORKLOAD_KINDS.map((k) => k.type).sort(), [
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:ReplicaSet",
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:batch/v1:CronJob",
            "kubernetes:batch/v1:Job",
            "kubernetes:core/v1:Pod",
        ]);
    });

    it("finds the pod spec where each kind keeps it", () => {
        const template = { spec: { template: { spec } } };
        for (const type of [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:apps/v1:ReplicaSet",
            "kubernetes:batch/v1:Job",
        ]) {
            assert.equal(podSpecOf(type, template), spec, type);
        }
        assert.equal(podSpecOf("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec } } } } }), spec);
        assert.equal(podSpecOf("kubernetes:core/v1:Pod", { spec }), spec);
        assert.equal(podSpecOf("kubernetes:core/v1:Service", { spec }), undefined);
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", {}), undefined);
    });

    it("walks init containers first, then containers", () => {
        assert.deepEqual(
            containersOf(spec).map(({ role, container: c }) => `${role} ${c.name}`),
            ["initContainer init", "container app"],
        );
        assert.deepEqual(containersOf(undefined), []);
    });
});

describe("validateResourceOfType through the harness", () => {
    it("runs a typed check on its own kind only, and marks the others not applicable as the analyzer does", async () => {
        const notIndexer = await checkResource(clairIndexerStorage, {
            type: "kubernetes:apps/v1:Deployment",
            props: deployment(podSpec([container("clair", { env: [{ name: "CLAIR_MODE", value: "indexer" }] })])),
        });
        assert.deepEqual(notIndexer, { violations: [], notApplicable: "Policy only applies to resources of type 'kubernetes:apps/v1:StatefulSet'" });
    });
});
