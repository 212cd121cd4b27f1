import { strict as assert } from "assert";
import { clairIndexerStorage } from "../clair-indexer-storage";
import { imagePinning, isDigestPinned, isPinned } from "../lib/images";
import { compareQuantities, isQuantity, quantitiesEqual, quantityToGiB, quantityToNumber } from "../lib/quantity";
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
        assert.equal(maxConnectionsFor("db.m6g.xlarge"), 1622);
        // 8 GiB: 811.1
        assert.equal(maxConnectionsFor("db.m6g.large"), 811);
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
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet", "kubernetes:batch/v1:Job"]) {
            assert.equal(podSpecOf(type, template), spec, type);
        }
        assert.equal(podSpecOf("kubernetes:batch/v1:CronJob", { spec: { jobTemplate: { spec: { template: { spec } } } } }), spec);
        assert.equal(podSpecOf("kubernetes:core/v1:Pod", { spec }), spec);
        assert.equal(podSpecOf("kubernetes:core/v1:Service", { spec }), undefined);
        assert.equal(podSpecOf("kubernetes:apps/v1:Deployment", {}), undefined);
    });

    it("walks init containers first, then containers", () => {
        assert.deepEqual(containersOf(spec).map(({ role, container: c }) => `${role} ${c.name}`), ["initContainer init", "container app"]);
        assert.deepEqual(containersOf(undefined), []);
    });
});

describe("validateResourceOfType through the harness", () => {
    it("runs a typed check on its own kind only, and marks the others not applicable as the analyzer does", async () => {
        const notIndexer = await checkResource(clairIndexerStorage, { type: "kubernetes:apps/v1:Deployment", props: deployment(podSpec([container("clair", { env: [{ name: "CLAIR_MODE", value: "indexer" }] })])) });
        assert.deepEqual(notIndexer, { violations: [], notApplicable: "Policy only applies to resources of type 'kubernetes:apps/v1:StatefulSet'" });
    });
});
