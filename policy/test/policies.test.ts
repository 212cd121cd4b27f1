import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { clairConnectionPools, peakPods, type DeploymentProps, type StatefulSetProps } from "../clair-connection-pools";
import { clairIndexerRouteTimeout } from "../clair-indexer-route-timeout";
import { clairIndexerStorage } from "../clair-indexer-storage";
import { isPinned } from "../lib/images";
import { pinnedImages } from "../pinned-images";
import { policies } from "../policies";
import { rdsBackupRetention } from "../rds-backup-retention";
import { rdsDeletionProtection } from "../rds-deletion-protection";
import { rdsNotPubliclyAccessible } from "../rds-not-publicly-accessible";
import { rdsStorageEncrypted } from "../rds-storage-encrypted";
import { requestsEqualLimits } from "../requests-equal-limits";
import { routeHostAndTls } from "../route-host-and-tls";
import { runAsNonRoot } from "../run-as-non-root";
import { container, deployment, podSpec, rdsInstance } from "./fixtures";
import { checkResource, checkStack, UNKNOWN } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RDS = "aws:rds/instance:Instance";
const ROUTE = "kubernetes:route.openshift.io/v1:Route";
const STS = "kubernetes:apps/v1:StatefulSet";
/** RDS's max_connections for a 16 GiB class: LEAST(90% of the memory / 9531392, 5000). */
const XLARGE_MAX = Math.min(Math.floor((16 * 2 ** 30 * 0.9) / 9531392), 5000);

describe("policy pack", () => {
    it("has one named policy per file, each with a description and an enforcement level", () => {
        // Every policy file of the pack (all but index.ts and policies.ts) exports one policy, and
        // the pack lists exactly those: a new file not listed, or a listed one removed, fails.
        const dir = path.join(__dirname, "..");
        const files = fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !["index.ts", "policies.ts"].includes(f));
        const exported = files.flatMap((f) =>
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module path known only at run time
            Object.values(require(path.join(dir, f))).filter((v: any) => v && typeof v === "object" && typeof v.name === "string" && "enforcementLevel" in v),
        );
        assert.equal(exported.length, files.length, `one policy per file: ${files.join(", ")}`);
        assert.deepEqual(new Set(policies), new Set(exported));
        assert.equal(policies.length, files.length);
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.ok(p.description && p.description.length > 40, `${p.name} says why`);
            assert.ok(["mandatory", "advisory"].includes(p.enforcementLevel!), p.name);
        }
        assert.equal(new Set(policies.map((p) => p.name)).size, policies.length);
    });
});

describe("requests-equal-limits", () => {
    const check = (spec: any, type = DEPLOYMENT) => checkResource(requestsEqualLimits, { type, props: deployment(spec) });

    it("passes equal requests and limits, written differently", async () => {
        const c = container("app", { resources: { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "2000m", memory: "2048Mi" } } });
        const d = container("d", { resources: { requests: { cpu: "0.5", memory: "1k" }, limits: { cpu: "500m", memory: "1000" } } });
        assert.deepEqual((await check(podSpec([c, d]))).violations, []);
        // The same containers with one limit changed fail: the pass above is not a skipped resource.
        const e = container("d", { resources: { requests: { cpu: "0.5", memory: "1k" }, limits: { cpu: "501m", memory: "1000" } } });
        assert.deepEqual((await check(podSpec([c, e]))).violations, ['Deployment app, container d: cpu request "0.5" differs from limit "501m"']);
    });

    it("fails a doubled cpu limit, naming resource, container, kind and both values", async () => {
        const c = container("clair", { resources: { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } } });
        assert.deepEqual((await check(podSpec([c]))).violations, ['Deployment app, container clair: cpu request "2" differs from limit "4"']);
    });

    it("fails a missing memory limit", async () => {
        const c = container("clair", { resources: { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "2" } } });
        assert.deepEqual((await check(podSpec([c]))).violations, ['Deployment app, container clair: memory request "2Gi" and limit (unset) must both be set']);
    });

    it("fails containers without resources", async () => {
        const c = container("bare", { resources: undefined });
        assert.deepEqual((await check(podSpec([c]))).violations, [
            "Deployment app, container bare: cpu request (unset) and limit (unset) must both be set",
            "Deployment app, container bare: memory request (unset) and limit (unset) must both be set",
        ]);
    });

    it("fails a missing request as it fails a missing limit", async () => {
        const c = container("clair", { resources: { requests: { memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } } });
        assert.deepEqual((await check(podSpec([c]))).violations, ['Deployment app, container clair: cpu request (unset) and limit "2" must both be set']);
    });

    it("checks init containers", async () => {
        const init = container("init", { resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "64Mi" } } });
        assert.deepEqual((await check(podSpec([container("app")], [init]))).violations, [
            'Deployment app, initContainer init: cpu request "100m" differs from limit "200m"',
        ]);
    });

    it("reports a malformed quantity as a violation, not a crash", async () => {
        const c = container("app", { resources: { requests: { cpu: "2 cores", memory: "2GB" }, limits: { cpu: "2", memory: "2Gi" } } });
        assert.deepEqual((await check(podSpec([c]))).violations, [
            'Deployment app, container app: cpu request "2 cores" is not a Kubernetes quantity',
            'Deployment app, container app: memory request "2GB" is not a Kubernetes quantity',
        ]);
    });

    it("fails zero, negative and wrongly counted amounts even when request equals limit", async () => {
        const same = (cpu: string, memory: string) => container("app", { resources: { requests: { cpu, memory }, limits: { cpu, memory } } });
        assert.deepEqual((await check(podSpec([same("-2", "2Gi")]))).violations, [
            'Deployment app, container app: cpu request "-2" must be more than 0; limit "-2" must be more than 0',
        ]);
        assert.deepEqual((await check(podSpec([same("0", "2Gi")]))).violations, [
            'Deployment app, container app: cpu request "0" must be more than 0; limit "0" must be more than 0',
        ]);
        assert.deepEqual((await check(podSpec([same("1Gi", "2Gi")]))).violations, [
            'Deployment app, container app: cpu request "1Gi" is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m); limit "1Gi" is not a CPU amount: CPU is counted in cores (2, 0.5) or millicores (500m)',
        ]);
        assert.deepEqual((await check(podSpec([same("1", "2m")]))).violations, [
            'Deployment app, container app: memory request "2m" is a fraction of a byte: the suffix m means milli- (for mebibytes write Mi); limit "2m" is a fraction of a byte: the suffix m means milli- (for mebibytes write Mi)',
        ]);
        // A bare number of bytes is a valid memory amount in a manifest.
        assert.deepEqual((await check(podSpec([same("1", "2147483648")]))).violations, []);
    });

    it("checks a CronJob's job template, a bare Pod, StatefulSets, DaemonSets, ReplicaSets and Jobs", async () => {
        const bad = container("x", { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi" } } });
        const cron = { kind: "CronJob", metadata: { name: "refresh" }, spec: { jobTemplate: { spec: { template: { spec: podSpec([bad]) } } } } };
        assert.deepEqual((await checkResource(requestsEqualLimits, { type: "kubernetes:batch/v1:CronJob", props: cron })).violations, [
            'CronJob refresh, container x: memory request "1Gi" differs from limit "2Gi"',
        ]);
        const pod = { kind: "Pod", metadata: { name: "p" }, spec: podSpec([bad]) };
        assert.deepEqual((await checkResource(requestsEqualLimits, { type: "kubernetes:core/v1:Pod", props: pod })).violations, [
            'Pod p, container x: memory request "1Gi" differs from limit "2Gi"',
        ]);
        for (const type of [STS, "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet", "kubernetes:batch/v1:Job"]) {
            assert.deepEqual(
                (await check(podSpec([bad]), type)).violations,
                ['Deployment app, container x: memory request "1Gi" differs from limit "2Gi"'],
                type,
            );
        }
    });

    it("ignores other resource types", async () => {
        const outcome = await checkResource(requestsEqualLimits, { type: "kubernetes:core/v1:Service", props: { spec: { ports: [] } } });
        assert.deepEqual(outcome, { violations: [] });
    });

    it("does not crash on values unknown during preview", async () => {
        const c = container("app", { resources: { requests: { cpu: UNKNOWN, memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } } });
        const outcome = await check(podSpec([c]));
        assert.deepEqual(outcome.violations, []);
        assert.match(outcome.unknown!, /can't be known during preview/);
        const whole = await checkResource(requestsEqualLimits, { type: DEPLOYMENT, props: { metadata: { name: "x" }, spec: UNKNOWN } });
        assert.deepEqual(whole.violations, []);
    });
});

describe("rds-backup-retention", () => {
    const check = (overrides: Record<string, unknown>, config?: Record<string, unknown>) =>
        checkResource(rdsBackupRetention, { type: RDS, props: rdsInstance(overrides) }, config);

    it("passes 30 days with a window", async () => assert.deepEqual((await check({})).violations, []));
    it("fails 29 days", async () =>
        assert.deepEqual((await check({ backupRetentionPeriod: 29 })).violations, [
            "RDS instance clair-indexer-prod: backupRetentionPeriod 29 is below the minimum of 30 days",
        ]));
    it("fails 7 days", async () =>
        assert.deepEqual((await check({ backupRetentionPeriod: 7 })).violations, [
            "RDS instance clair-indexer-prod: backupRetentionPeriod 7 is below the minimum of 30 days",
        ]));
    it("fails unset retention", async () => assert.match((await check({ backupRetentionPeriod: undefined })).violations[0], /backupRetentionPeriod is unset/));
    it("fails a missing backup window", async () => assert.match((await check({ backupWindow: undefined })).violations[0], /no backup window/));
    it("takes the minimum from config", async () => {
        assert.deepEqual((await check({ backupRetentionPeriod: 30 }, { minimumDays: 35 })).violations, [
            "RDS instance clair-indexer-prod: backupRetentionPeriod 30 is below the minimum of 35 days",
        ]);
        assert.deepEqual((await check({ backupRetentionPeriod: 14 }, { minimumDays: 14 })).violations, []);
        assert.deepEqual((await check({ backupRetentionPeriod: 13 }, { minimumDays: 14 })).violations, [
            "RDS instance clair-indexer-prod: backupRetentionPeriod 13 is below the minimum of 14 days",
        ]);
    });
    it("checks RDS clusters too", async () => {
        const outcome = await checkResource(rdsBackupRetention, {
            type: "aws:rds/cluster:Cluster",
            props: { clusterIdentifier: "c", backupRetentionPeriod: 1, preferredBackupWindow: "03:00-04:00" },
        });
        assert.deepEqual(outcome.violations, ["RDS cluster c: backupRetentionPeriod 1 is below the minimum of 30 days"]);
    });
    it("does not crash on an unknown retention", async () => {
        const outcome = await check({ backupRetentionPeriod: UNKNOWN });
        assert.deepEqual(outcome.violations, []);
        assert.ok(outcome.unknown);
    });
});

describe("RDS guard rails", () => {
    it("rds-storage-encrypted", async () => {
        assert.deepEqual((await checkResource(rdsStorageEncrypted, { type: RDS, props: rdsInstance() })).violations, []);
        assert.deepEqual((await checkResource(rdsStorageEncrypted, { type: RDS, props: rdsInstance({ storageEncrypted: false }) })).violations, [
            "RDS instance clair-indexer-prod: storageEncrypted is false; set it to true (it cannot be changed later without a restore)",
        ]);
        assert.deepEqual((await checkResource(rdsStorageEncrypted, { type: RDS, props: rdsInstance({ storageEncrypted: undefined }) })).violations, [
            'RDS instance clair-indexer-prod: storageEncrypted is "unset"; set it to true (it cannot be changed later without a restore)',
        ]);
    });
    it("rds-not-publicly-accessible", async () => {
        assert.deepEqual((await checkResource(rdsNotPubliclyAccessible, { type: RDS, props: rdsInstance() })).violations, []);
        assert.deepEqual((await checkResource(rdsNotPubliclyAccessible, { type: RDS, props: rdsInstance({ publiclyAccessible: true }) })).violations, [
            "RDS instance clair-indexer-prod: publiclyAccessible is true; the databases must stay private",
        ]);
    });
    it("rds-deletion-protection", async () => {
        assert.deepEqual((await checkResource(rdsDeletionProtection, { type: RDS, props: rdsInstance() })).violations, []);
        assert.deepEqual((await checkResource(rdsDeletionProtection, { type: RDS, props: rdsInstance({ deletionProtection: false }) })).violations, [
            "RDS instance clair-indexer-prod: deletionProtection is false; turn it on",
        ]);
    });
});

describe("clair-indexer-storage", () => {
    const indexer = (claim: any) => ({
        kind: "StatefulSet",
        metadata: { name: "clair-indexer" },
        spec: {
            template: { spec: podSpec([container("clair", { env: [{ name: "CLAIR_MODE", value: "indexer" }] })]) },
            volumeClaimTemplates: claim ? [claim] : [],
        },
    });
    const claim = (storageClassName: string | undefined, storage: string) => ({
        metadata: { name: "layers" },
        spec: { storageClassName, resources: { requests: { storage } } },
    });

    it("passes a 100Gi gp2 claim, and a larger one spelled differently", async () => {
        assert.deepEqual((await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp2", "100Gi")) })).violations, []);
        assert.deepEqual((await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp2", "0.125Ti")) })).violations, []);
    });
    it("fails a smaller claim, another class, or no claim", async () => {
        assert.match(
            (await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp2", "50Gi")) })).violations[0],
            /storage 50Gi is below 100Gi/,
        );
        assert.match(
            (await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp3", "100Gi")) })).violations[0],
            /storageClassName "gp3" is not gp2/,
        );
        assert.match((await checkResource(clairIndexerStorage, { type: STS, props: indexer(undefined) })).violations[0], /no volumeClaimTemplates/);
        assert.deepEqual((await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp2", "lots")) })).violations, [
            'StatefulSet clair-indexer, claim layers: storage request "lots" is not a Kubernetes quantity',
        ]);
        assert.deepEqual((await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("gp2", "-100Gi")) })).violations, [
            'StatefulSet clair-indexer, claim layers: storage request "-100Gi" must be more than 0',
        ]);
    });
    it("uses the configured class and size", async () => {
        assert.deepEqual(
            (await checkResource(clairIndexerStorage, { type: STS, props: indexer(claim("fast", "200Gi")) }, { storageClass: "fast", minimumSize: "200Gi" }))
                .violations,
            [],
        );
    });
    it("leaves other StatefulSets alone", async () => {
        const db = { kind: "StatefulSet", metadata: { name: "db" }, spec: { template: { spec: podSpec([container("pg")]) } } };
        assert.deepEqual((await checkResource(clairIndexerStorage, { type: STS, props: db })).violations, []);
    });
});

describe("Routes", () => {
    const route = (overrides: any = {}, annotations: Record<string, string> = { "haproxy.router.openshift.io/timeout": "5m" }) => ({
        apiVersion: "route.openshift.io/v1",
        kind: "Route",
        metadata: { name: "clair-indexer", annotations },
        spec: {
            host: "clair.quay.io",
            path: "/indexer",
            to: { kind: "Service", name: "clair-indexer" },
            tls: { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" },
            ...overrides,
        },
    });
    it("route-host-and-tls passes a complete Route and fails a missing host, TLS or plain HTTP", async () => {
        assert.deepEqual((await checkResource(routeHostAndTls, { type: ROUTE, props: route() })).violations, []);
        assert.match((await checkResource(routeHostAndTls, { type: ROUTE, props: route({ host: undefined }) })).violations[0], /spec\.host is unset/);
        assert.match((await checkResource(routeHostAndTls, { type: ROUTE, props: route({ tls: undefined }) })).violations[0], /spec\.tls is unset/);
        assert.match(
            (await checkResource(routeHostAndTls, { type: ROUTE, props: route({ tls: { termination: "edge", insecureEdgeTerminationPolicy: "Allow" } }) }))
                .violations[0],
            /Allow/,
        );
    });
    it("clair-indexer-route-timeout needs the timeout on Routes to the indexer only", async () => {
        assert.deepEqual((await checkResource(clairIndexerRouteTimeout, { type: ROUTE, props: route() })).violations, []);
        assert.match(
            (await checkResource(clairIndexerRouteTimeout, { type: ROUTE, props: route({}, {}) })).violations[0],
            /annotation haproxy\.router\.openshift\.io\/timeout is missing/,
        );
        assert.match(
            (await checkResource(clairIndexerRouteTimeout, { type: ROUTE, props: route({}, { "haproxy.router.openshift.io/timeout": "five" }) })).violations[0],
            /not a duration/,
        );
        const matcher = route({ to: { kind: "Service", name: "clair-matcher" } }, {});
        assert.deepEqual((await checkResource(clairIndexerRouteTimeout, { type: ROUTE, props: matcher })).violations, []);
    });
});

describe("pinned-images and run-as-non-root", () => {
    it("recognises pinned references", () => {
        for (const ok of ["clamav/clamav:1.4.3", "registry.k8s.io/kubectl:v1.33.5", "localhost:5000/a/b:1", `x@sha256:${"a".repeat(64)}`])
            assert.ok(isPinned(ok), ok);
        for (const bad of ["clamav/clamav", "clamav/clamav:latest", "localhost:5000/a/b", "", undefined]) assert.ok(!isPinned(bad), String(bad));
    });
    it("pinned-images fails an unpinned init container", async () => {
        const spec = podSpec([container("app")], [container("init", { image: "busybox" })]);
        assert.deepEqual((await checkResource(pinnedImages, { type: DEPLOYMENT, props: deployment(spec) })).violations, [
            'Deployment app, initContainer init: image "busybox" is not pinned to a tag or digest',
        ]);
    });
    it("run-as-non-root accepts a pod-level setting and fails root", async () => {
        const podLevel = { ...podSpec([container("app", { securityContext: {} })]), securityContext: { runAsNonRoot: true, runAsUser: 1000 } };
        assert.deepEqual((await checkResource(runAsNonRoot, { type: DEPLOYMENT, props: deployment(podLevel) })).violations, []);
        const root = podSpec([container("app", { securityContext: { runAsNonRoot: false, runAsUser: 0 } })]);
        assert.deepEqual((await checkResource(runAsNonRoot, { type: DEPLOYMENT, props: deployment(root) })).violations, [
            "Deployment app, container app: runAsNonRoot is not true",
            "Deployment app, container app: runAsUser is 0 (root)",
        ]);
    });
});

describe("clair-connection-pools (stack policy)", () => {
    const workload = (type: string, name: string, replicas: number, pool: string, database = "clair-indexer-prod", strategy?: any) => ({
        type,
        name,
        props: {
            metadata: { name, annotations: { "clair.scanning-platform/database": database, "clair.scanning-platform/pool-max-conns": pool } },
            spec: { replicas, ...(strategy ? { strategy } : {}) },
        },
    });
    const instance = { type: RDS, props: rdsInstance({ parameterGroupName: "clair-indexer-prod-params" }) };
    const params = (max: string) => ({
        type: "aws:rds/parameterGroup:ParameterGroup",
        props: { name: "clair-indexer-prod-params", parameters: [{ name: "max_connections", value: max }] },
    });

    it("counts the rolling-update surge", () => {
        const deploymentPods = (spec: object) => peakPods({ kind: "Deployment", props: { spec } as DeploymentProps });
        assert.equal(deploymentPods({ replicas: 10, strategy: { rollingUpdate: { maxSurge: 1 } } }), 11);
        assert.equal(deploymentPods({ replicas: 10, strategy: { rollingUpdate: { maxSurge: "25%" } } }), 13);
        assert.equal(deploymentPods({ replicas: 4, strategy: { type: "Recreate" } }), 4);
        // No strategy: the controller's default surge, 25% of 4 rounded up.
        assert.equal(deploymentPods({ replicas: 4 }), 5);
        assert.equal(peakPods({ kind: "StatefulSet", props: { spec: { replicas: 40 } } as StatefulSetProps }), 40);
    });
    it("passes pools that fit and fails pools that do not", async () => {
        assert.deepEqual(
            (await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 40, "32"), instance, params(String(XLARGE_MAX))])).violations,
            [],
        );
        const outcome = await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 40, "64"), instance, params(String(XLARGE_MAX))]);
        assert.deepEqual(outcome.violations, [
            `database clair-indexer-prod: clair-indexer 40 pods x 64 = 2560 connections exceed max_connections ${XLARGE_MAX} less 3 reserved`,
        ]);
        // The parameter is read, not the class: a lower max_connections fails the same pools.
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 40, "32"), instance, params("1000")])).violations, [
            "database clair-indexer-prod: clair-indexer 40 pods x 32 = 1280 connections exceed max_connections 1000 less 3 reserved",
        ]);
    });
    it("adds up every workload that shares a database, surge included", async () => {
        const shared = [
            workload(DEPLOYMENT, "a", 10, "50", "clair-indexer-prod", { rollingUpdate: { maxSurge: 1 } }),
            workload(DEPLOYMENT, "b", 10, "50", "clair-indexer-prod"),
            instance,
            params("1000"),
        ];
        assert.match((await checkStack(clairConnectionPools, shared)).violations[0], /a 11 pods x 50 \+ b 13 pods x 50 = 1200 connections/);
    });
    it("counts an autoscaled workload at its autoscaler's maximum, surge included", async () => {
        const hpa = (kind: string, name: string, maxReplicas: number, namespace?: string) => ({
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            props: {
                metadata: { name, ...(namespace ? { namespace } : {}) },
                spec: { scaleTargetRef: { apiVersion: "apps/v1", kind, name }, minReplicas: 2, maxReplicas },
            },
        });
        const matcher = workload(DEPLOYMENT, "clair-matcher", 2, "30", "clair-indexer-prod", { rollingUpdate: { maxSurge: 1 } });
        // 2 replicas + 1 surge = 3 pods x 30 = 90 fit in 100 - 3; at the autoscaler's 4, 5 x 30 = 150 do not.
        assert.deepEqual((await checkStack(clairConnectionPools, [matcher, instance, params("100")])).violations, []);
        assert.deepEqual((await checkStack(clairConnectionPools, [matcher, hpa("Deployment", "clair-matcher", 4), instance, params("100")])).violations, [
            "database clair-indexer-prod: clair-matcher 5 pods x 30 = 150 connections exceed max_connections 100 less 3 reserved",
        ]);
        // An autoscaler of another kind, another name or another namespace scales something else.
        for (const other of [
            hpa("StatefulSet", "clair-matcher", 4),
            hpa("Deployment", "clair-notifier", 4),
            hpa("Deployment", "clair-matcher", 4, "elsewhere"),
        ]) {
            assert.deepEqual((await checkStack(clairConnectionPools, [matcher, other, instance, params("100")])).violations, [], JSON.stringify(other.props));
        }
        // A maximum below the declared replicas does not lower the count.
        assert.equal(peakPods({ kind: "StatefulSet", props: { spec: { replicas: 40 } } as StatefulSetProps }, 10), 40);
    });
    it("falls back to the instance class when no parameter sets max_connections", async () => {
        // db.m6g.xlarge (the fixture's class): 16 GiB.
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 100, "32"), instance])).violations, [
            `database clair-indexer-prod: clair-indexer 100 pods x 32 = 3200 connections exceed max_connections ${XLARGE_MAX} less 3 reserved`,
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 50, "32"), instance])).violations, [], "50 x 32 fits");
    });
    it("reads an in-cluster server's max_connections flag", async () => {
        const server = {
            type: STS,
            props: {
                metadata: { name: "clair-indexer-db" },
                spec: { template: { spec: { containers: [{ name: "postgres", args: ["-c", "max_connections=200"] }] } } },
            },
        };
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 1, "32", "clair-indexer-db"), server])).violations, []);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 10, "32", "clair-indexer-db"), server])).violations, [
            "database clair-indexer-db: clair-indexer 10 pods x 32 = 320 connections exceed max_connections 200 less 3 reserved",
        ]);
    });
    it("flags a database that is not in the stack and a malformed pool", async () => {
        assert.match(
            (await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 1, "32", "elsewhere")])).violations[0],
            /database elsewhere .* is not in this stack/,
        );
        assert.match(
            (await checkStack(clairConnectionPools, [workload(STS, "clair-indexer", 1, "many"), instance])).violations[0],
            /is not a positive integer/,
        );
    });
    it("does not crash on unknown values", async () => {
        const outcome = await checkStack(clairConnectionPools, [{ type: STS, name: "x", props: { metadata: UNKNOWN, spec: { replicas: 1 } } }, instance]);
        assert.deepEqual(outcome.violations, []);
    });
});
