/**
 * Every policy on incomplete, foreign and boundary inputs: resources of other types are left
 * alone, objects with missing parts are judged without a crash (and by their logical name when
 * they carry none), and each limit holds exactly at its boundary. Found by mutation testing
 * (CONTRIBUTING.md: mutation testing); each case fails if the guard it covers is removed.
 */
import { strict as assert } from "assert";
import { autoscalerMaximum, clairConnectionPools, maxConnectionsOf, peakPods, type DeploymentProps, type StatefulSetProps } from "../clair-connection-pools";
import { clairIndexerRouteTimeout } from "../clair-indexer-route-timeout";
import { clairIndexerStorage } from "../clair-indexer-storage";
import { imagePinning } from "../lib/images";
import { openshiftNamespaceIds } from "../openshift-namespace-ids";
import { compareQuantities, isQuantity, parseQuantity, quantitiesEqual } from "../lib/quantity";
import { describe as describeWorkload, podSpecOf, WORKLOAD_KINDS } from "../lib/workloads";
import { pinnedImages } from "../pinned-images";
import { rdsBackupRetention } from "../rds-backup-retention";
import { rdsDeletionProtection } from "../rds-deletion-protection";
import { rdsNotPubliclyAccessible } from "../rds-not-publicly-accessible";
import { rdsStorageEncrypted } from "../rds-storage-encrypted";
import { requestsEqualLimits } from "../requests-equal-limits";
import { routeHostAndTls } from "../route-host-and-tls";
import { runAsNonRoot } from "../run-as-non-root";
import { container, deployment, podSpec, rdsInstance } from "./fixtures";
import { checkResource, checkStack } from "./harness";

const RDS = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const ROUTE = "kubernetes:route.openshift.io/v1:Route";
const STS = "kubernetes:apps/v1:StatefulSet";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";

describe("policies leave other resource types alone", () => {
    it("the RDS flags, backup retention, Routes and the indexer's storage ignore what they do not govern", async () => {
        // Each of these would be a violation on the type the policy governs.
        const badRds = { identifier: "x", storageEncrypted: false, publiclyAccessible: true, deletionProtection: false, backupRetentionPeriod: 1 };
        for (const policy of [rdsStorageEncrypted, rdsNotPubliclyAccessible, rdsDeletionProtection]) {
            assert.deepEqual((await checkResource(policy, { type: CLUSTER, props: badRds })).violations, [], policy.name);
            assert.equal((await checkResource(policy, { type: RDS, props: badRds })).violations.length, 1, policy.name);
        }
        assert.deepEqual((await checkResource(rdsBackupRetention, { type: "aws:rds/snapshot:Snapshot", props: badRds })).violations, []);
        const openRoute = { metadata: { name: "r" }, spec: { to: { name: "clair-indexer" } } };
        assert.deepEqual((await checkResource(routeHostAndTls, { type: SERVICE, props: openRoute })).violations, []);
        assert.deepEqual((await checkResource(clairIndexerRouteTimeout, { type: SERVICE, props: openRoute })).violations, []);
        assert.equal((await checkResource(clairIndexerRouteTimeout, { type: ROUTE, props: openRoute })).violations.length, 1);
    });
});

describe("policies on objects with missing parts", () => {
    it("name an object by its logical name when it has no metadata.name", async () => {
        assert.deepEqual(
            (await checkResource(routeHostAndTls, { type: ROUTE, name: "logical", props: { spec: { tls: { termination: "edge" } } } })).violations,
            ["Route logical: spec.host is unset; the router would invent a host name Quay does not know"],
        );
        assert.deepEqual(
            (await checkResource(clairIndexerRouteTimeout, { type: ROUTE, name: "logical", props: { spec: { to: { name: "clair-indexer" } } } })).violations,
            ["Route logical to clair-indexer: annotation haproxy.router.openshift.io/timeout is missing (the program sets 5m)"],
        );
        assert.deepEqual((await checkResource(rdsStorageEncrypted, { type: RDS, name: "logical", props: { storageEncrypted: false } })).violations, [
            "RDS instance logical: storageEncrypted is false; set it to true (it cannot be changed later without a restore)",
        ]);
        assert.deepEqual((await checkResource(rdsBackupRetention, { type: RDS, name: "logical", props: { backupWindow: "03:00-04:00" } })).violations, [
            "RDS instance logical: backupRetentionPeriod is unset (the default keeps fewer than 30 days); set at least 30",
        ]);
        assert.deepEqual(
            (await checkResource(rdsBackupRetention, { type: RDS, name: "logical", props: { backupRetentionPeriod: null, backupWindow: "03:00-04:00" } }))
                .violations,
            ["RDS instance logical: backupRetentionPeriod is unset (the default keeps fewer than 30 days); set at least 30"],
        );
        assert.deepEqual((await checkResource(rdsBackupRetention, { type: RDS, props: rdsInstance({ backupRetentionPeriod: "30" }) })).violations, [
            'RDS instance clair-indexer-prod: backupRetentionPeriod "30" is below the minimum of 30 days',
        ]);
    });

    it("a Route with no spec or no metadata is judged, not a crash", async () => {
        assert.deepEqual((await checkResource(routeHostAndTls, { type: ROUTE, name: "r", props: {} })).violations, [
            "Route r: spec.host is unset; the router would invent a host name Quay does not know",
            "Route r: spec.tls is unset; set termination edge or reencrypt",
        ]);
        assert.deepEqual((await checkResource(clairIndexerRouteTimeout, { type: ROUTE, name: "r", props: {} })).violations, []);
        assert.deepEqual((await checkResource(clairIndexerRouteTimeout, { type: ROUTE, name: "r", props: { spec: {} } })).violations, []);
        assert.deepEqual(
            (
                await checkResource(clairIndexerRouteTimeout, {
                    type: ROUTE,
                    name: "r",
                    props: { metadata: { name: "m" }, spec: { to: { name: "clair-indexer" } } },
                })
            ).violations.length,
            1,
        );
    });

    it("the route timeout is a whole number with an optional unit, nothing around it", async () => {
        const route = (timeout: string) => ({
            type: ROUTE,
            props: {
                metadata: { name: "clair-indexer", annotations: { "haproxy.router.openshift.io/timeout": timeout } },
                spec: { to: { name: "clair-indexer" } },
            },
        });
        for (const ok of ["5m", "300", "300s", "1h", "500ms", "2d", "15m"])
            assert.deepEqual((await checkResource(clairIndexerRouteTimeout, route(ok))).violations, [], ok);
        for (const bad of ["x5m", "5mx", "5 m", "m", "", "5y"])
            assert.equal((await checkResource(clairIndexerRouteTimeout, route(bad))).violations.length, 1, bad);
    });

    it("workloads with no template, no spec or no containers are walked without a crash", async () => {
        for (const { type } of WORKLOAD_KINDS) {
            for (const props of [
                {},
                { spec: {} },
                { spec: { template: {} } },
                { spec: { jobTemplate: {} } },
                { spec: { jobTemplate: { spec: {} } } },
                { spec: { template: { spec: {} } } },
            ]) {
                assert.doesNotThrow(() => podSpecOf(type, props), `${type} ${JSON.stringify(props)}`);
                for (const policy of [requestsEqualLimits, pinnedImages, runAsNonRoot]) {
                    assert.deepEqual(
                        (await checkResource(policy, { type, props: { kind: "X", metadata: { name: "x" }, ...props } })).violations,
                        [],
                        `${policy.name} ${type}`,
                    );
                }
            }
        }
    });

    it("names a workload by its kind and name, else by its type and logical name", () => {
        assert.equal(describeWorkload("kubernetes:apps/v1:Deployment", "logical", { kind: "Deployment", metadata: { name: "clamav" } }), "Deployment clamav");
        assert.equal(describeWorkload("kubernetes:apps/v1:Deployment", "logical", {}), "Deployment logical");
        assert.equal(describeWorkload("kubernetes:batch/v1:CronJob", "logical", undefined), "CronJob logical");
    });

    it("run-as-non-root takes the pod's runAsUser when the container sets none", async () => {
        const spec = { ...podSpec([container("app", { securityContext: { runAsNonRoot: true } })]), securityContext: { runAsUser: 0 } };
        assert.deepEqual((await checkResource(runAsNonRoot, { type: DEPLOYMENT, props: deployment(spec) })).violations, [
            "Deployment app, container app: runAsUser is 0 (root)",
        ]);
        const unset = podSpec([container("app", { securityContext: undefined })]);
        assert.deepEqual((await checkResource(runAsNonRoot, { type: DEPLOYMENT, props: deployment(unset) })).violations, [
            "Deployment app, container app: runAsNonRoot is not true",
        ]);
    });

    it("pinned-images names an image that is missing or moves", async () => {
        const spec = podSpec([container("a", { image: undefined }), container("b", { image: "clamav/clamav:latest" })]);
        assert.deepEqual((await checkResource(pinnedImages, { type: DEPLOYMENT, props: deployment(spec) })).violations, [
            'Deployment app, container a: image "unset" is not pinned to a tag or digest',
            'Deployment app, container b: image "clamav/clamav:latest" is not pinned to a tag or digest',
        ]);
    });
});

describe("clair-indexer-storage: which StatefulSets are indexers, and their claims", () => {
    const sts = (containers: any[], claims?: any[], name: string | null = "clair-indexer") => ({
        kind: "StatefulSet",
        metadata: name ? { name } : {},
        spec: { template: { spec: { containers } }, ...(claims ? { volumeClaimTemplates: claims } : {}) },
    });
    const indexerEnv = [{ name: "CLAIR_MODE", value: "indexer" }];

    it("is any StatefulSet with a container whose CLAIR_MODE is indexer, and only that", async () => {
        const check = (props: any) => checkResource(clairIndexerStorage, { type: STS, name: "logical", props });
        assert.deepEqual((await check(sts([container("c", { env: [{ name: "CLAIR_MODE", value: "matcher" }] })]))).violations, []);
        assert.deepEqual((await check(sts([container("c", { env: [{ name: "OTHER", value: "indexer" }] })]))).violations, []);
        assert.deepEqual((await check(sts([container("c", { env: undefined })]))).violations, []);
        // One container of several is enough, and an env list may hold gaps.
        const two = sts([container("sidecar"), container("c", { env: [null, ...indexerEnv] })]);
        assert.deepEqual((await check(two)).violations, [
            "StatefulSet clair-indexer: no volumeClaimTemplates; each indexer needs a 100Gi gp2 claim for layer downloads",
        ]);
        assert.deepEqual((await check(sts([container("c", { env: indexerEnv })], undefined, null))).violations, [
            "StatefulSet logical: no volumeClaimTemplates; each indexer needs a 100Gi gp2 claim for layer downloads",
        ]);
        assert.deepEqual((await check({ kind: "StatefulSet", metadata: { name: "x" } })).violations, []);
        assert.deepEqual((await check({ kind: "StatefulSet", metadata: { name: "x" }, spec: {} })).violations, []);
    });

    it("names claims without a name, class or size plainly", async () => {
        const check = (claim: any) => checkResource(clairIndexerStorage, { type: STS, props: sts([container("c", { env: indexerEnv })], [claim]) });
        assert.deepEqual((await check({})).violations, [
            'StatefulSet clair-indexer, claim (unnamed): storageClassName "unset" is not gp2',
            'StatefulSet clair-indexer, claim (unnamed): storage request "unset" is unset',
        ]);
        assert.deepEqual((await check({ metadata: { name: "layers" }, spec: { storageClassName: "gp2", resources: {} } })).violations, [
            'StatefulSet clair-indexer, claim layers: storage request "unset" is unset',
        ]);
        assert.deepEqual(
            (await check({ metadata: { name: "layers" }, spec: { storageClassName: "gp2", resources: { requests: { storage: "100Gi" } } } })).violations,
            [],
        );
        // Exactly the minimum passes; one byte less does not.
        assert.deepEqual(
            (await check({ metadata: { name: "layers" }, spec: { storageClassName: "gp2", resources: { requests: { storage: String(100 * 2 ** 30 - 1) } } } }))
                .violations,
            [`StatefulSet clair-indexer, claim layers: storage ${100 * 2 ** 30 - 1} is below 100Gi`],
        );
    });

    it("declares its settings and their defaults for the pack config", () => {
        assert.deepEqual(clairIndexerStorage.configSchema, {
            properties: { storageClass: { type: "string", default: "gp2" }, minimumSize: { type: "string", default: "100Gi" } },
        });
        assert.deepEqual(clairIndexerRouteTimeout.configSchema, { properties: { indexerService: { type: "string", default: "clair-indexer" } } });
        assert.deepEqual(rdsBackupRetention.configSchema, { properties: { minimumDays: { type: "integer", minimum: 1, maximum: 35, default: 30 } } });
        assert.deepEqual(clairConnectionPools.configSchema, { properties: { reservedConnections: { type: "integer", minimum: 0, default: 3 } } });
    });
});

describe("clair-connection-pools: peaks, sources of max_connections, boundaries", () => {
    const deploymentPods = (spec: object | undefined) => peakPods({ kind: "Deployment", props: { spec } as DeploymentProps });

    it("counts replicas (1 when unset) and the surge a Deployment adds", () => {
        // Kubernetes' default: 1 replica, maxSurge 25% rounded up.
        assert.equal(deploymentPods(undefined), 2);
        assert.equal(deploymentPods({}), 2);
        assert.equal(deploymentPods({ replicas: 8, strategy: {} }), 10);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: {} } }), 10);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: 3 } } }), 11);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: "3" } } }), 11);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: "50%" } } }), 12);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: "x50%" } } }), 8);
        assert.equal(deploymentPods({ replicas: 8, strategy: { rollingUpdate: { maxSurge: "50%x" } } }), 8);
        assert.equal(deploymentPods({ replicas: "8" }), 2, "replicas that are not a number count as the default 1");
        assert.equal(peakPods({ kind: "StatefulSet", props: {} as StatefulSetProps }), 1);
    });

    const instance = (identifier: string, parameterGroupName = `${identifier}-params`, instanceClass = "db.m6g.large") => ({
        type: RDS,
        props: rdsInstance({ identifier, parameterGroupName, instanceClass }),
    });
    const group = (name: string, value: string) => ({
        type: "aws:rds/parameterGroup:ParameterGroup",
        props: {
            name,
            parameters: [
                { name: "work_mem", value: "4096" },
                { name: "max_connections", value },
            ],
        },
    });
    const resources = async (list: any[]) => {
        // The stack policy's view: typed resources, asType included (as the analyzer gives them).
        let found: any[] = [];
        await checkStack(
            { name: "probe", description: "reads the resources", enforcementLevel: "advisory", validateStack: (args) => void (found = args.resources) },
            list,
        );
        return found;
    };
    // db.m6g.large: 8 GiB, so RDS's default is floor(8 GiB x 0.9 / 9531392).
    const LARGE_MAX = Math.floor((8 * 2 ** 30 * 0.9) / 9531392);

    it("finds the instance by its identifier among several, and a workload's autoscaler by kind, name and namespace, the highest when several", async () => {
        const several = await resources([instance("other"), group("other-params", "100"), instance("db"), group("db-params", "900")]);
        assert.equal(maxConnectionsOf("db", several), 900);
        assert.equal(maxConnectionsOf("other", several), 100);
        const hpa = (kind: string, name: string, namespace: string, maxReplicas: number) => ({
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            props: { metadata: { name: `${name}-${maxReplicas}`, namespace }, spec: { scaleTargetRef: { kind, name }, minReplicas: 1, maxReplicas } },
        });
        const matcher = { kind: "Deployment" as const, props: { metadata: { name: "clair-matcher", namespace: "scanning" } } as DeploymentProps };
        const found = async (list: any[]) => autoscalerMaximum(matcher, await resources(list));
        assert.equal(await found([hpa("Deployment", "clair-matcher", "scanning", 12), hpa("Deployment", "clair-matcher", "scanning", 20)]), 20);
        assert.equal(await found([hpa("StatefulSet", "clair-matcher", "scanning", 12)]), undefined, "another kind");
        assert.equal(await found([hpa("Deployment", "clair-indexer", "scanning", 12)]), undefined, "another name");
        assert.equal(await found([hpa("Deployment", "clair-matcher", "elsewhere", 12)]), undefined, "another namespace");
    });

    it("reads the instance's own parameter group, else its class, else an in-cluster server's flag", async () => {
        assert.equal(maxConnectionsOf("db", await resources([instance("db"), group("db-params", "900")])), 900);
        // Another instance's group, a group of another type, a malformed value: the class decides.
        assert.equal(maxConnectionsOf("db", await resources([instance("db"), group("other-params", "900")])), LARGE_MAX);
        assert.equal(
            maxConnectionsOf(
                "db",
                await resources([
                    instance("db"),
                    {
                        type: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
                        props: { name: "db-params", parameters: [{ name: "max_connections", value: "900" }] },
                    },
                ]),
            ),
            LARGE_MAX,
        );
        for (const value of ["lots", "900x", "x900", ""])
            assert.equal(maxConnectionsOf("db", await resources([instance("db"), group("db-params", value)])), LARGE_MAX, value);
        assert.equal(maxConnectionsOf("db", await resources([instance("db", "db-params", "db.x9.huge")])), undefined);
        // Only an RDS instance with that identifier is the database.
        assert.equal(maxConnectionsOf("db", await resources([{ type: CLUSTER, props: { identifier: "db" } }, instance("other")])), undefined);
        const server = (args: unknown[] | undefined, name = "db") => ({
            type: STS,
            props: { metadata: { name }, spec: { template: { spec: { containers: [{ name: "c" }, { name: "postgres", args }] } } } },
        });
        assert.equal(maxConnectionsOf("db", await resources([server(["-c", "max_connections=150"])])), 150);
        assert.equal(maxConnectionsOf("db", await resources([server(["-c", "max_connections=150x"])])), undefined);
        assert.equal(maxConnectionsOf("db", await resources([server(["-c", "xmax_connections=150"])])), undefined);
        assert.equal(maxConnectionsOf("db", await resources([server(undefined)])), undefined);
        assert.equal(maxConnectionsOf("db", await resources([server(["-c", "max_connections=150"], "other")])), undefined);
        assert.equal(
            maxConnectionsOf(
                "db",
                await resources([
                    { type: STS, props: { metadata: { name: "db" } } },
                    { type: STS, props: {} },
                ]),
            ),
            undefined,
        );
        assert.equal(maxConnectionsOf("db", await resources([{ type: STS, props: { metadata: { name: "db" }, spec: {} } }])), undefined);
        assert.equal(maxConnectionsOf("db", await resources([{ type: STS, props: { metadata: { name: "db" }, spec: { template: {} } } }])), undefined);
    });

    const workload = (name: string | undefined, replicas: number, pool: string | undefined, database = "db") => ({
        type: STS,
        name: "logical",
        props: {
            metadata: {
                ...(name ? { name } : {}),
                annotations: {
                    "clair.scanning-platform/database": database,
                    ...(pool === undefined ? {} : { "clair.scanning-platform/pool-max-conns": pool }),
                },
            },
            spec: { replicas },
        },
    });

    it("passes demand equal to max_connections less the reserve, fails one more", async () => {
        const stack = (replicas: number) => [workload("w", replicas, "1"), instance("db"), group("db-params", "100")];
        assert.deepEqual((await checkStack(clairConnectionPools, stack(97))).violations, []);
        assert.deepEqual((await checkStack(clairConnectionPools, stack(98))).violations, [
            "database db: w 98 pods x 1 = 98 connections exceed max_connections 100 less 3 reserved",
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, stack(98), { reservedConnections: 2 })).violations, []);
    });

    it("refuses a pool of 0 or none, names a workload without a name by its logical name, and says which database is missing", async () => {
        assert.deepEqual((await checkStack(clairConnectionPools, [workload("w", 1, "0"), instance("db")])).violations, [
            'w: annotation clair.scanning-platform/pool-max-conns "0" is not a positive integer',
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload("w", 1, undefined), instance("db")])).violations, [
            'w: annotation clair.scanning-platform/pool-max-conns "unset" is not a positive integer',
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload("w", 1, "1.5"), instance("db")])).violations, [
            'w: annotation clair.scanning-platform/pool-max-conns "1.5" is not a positive integer',
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload(undefined, 1, "1"), instance("db"), group("db-params", "3")])).violations, [
            "database db: logical 1 pods x 1 = 1 connections exceed max_connections 3 less 3 reserved",
        ]);
        assert.deepEqual((await checkStack(clairConnectionPools, [workload("a", 1, "1", "gone"), workload("b", 2, "1", "gone")])).violations, [
            "database gone (named by a 1 pods x 1, b 2 pods x 1) is not in this stack, or its max_connections cannot be read",
        ]);
        // A workload without the database annotation is no Clair workload.
        assert.deepEqual(
            (
                await checkStack(clairConnectionPools, [
                    {
                        type: STS,
                        props: { metadata: { name: "other", annotations: { "clair.scanning-platform/pool-max-conns": "999" } }, spec: { replicas: 99 } },
                    },
                ])
            ).violations,
            [],
        );
    });
});

describe("lib/quantity and lib/images at their edges", () => {
    it("takes fractions with or without a leading digit, and exponents up to 1000", () => {
        for (const ok of [".5", ".55", "1.", "1.25", "0.5Gi", "1e1000", "1E-1000"]) assert.ok(isQuantity(ok), ok);
        for (const bad of ["1e1001", "1e-1001", ".", "1..5", ".5.5", "1.5.", "e3", "1e3Gi", "1Gi1", "Infinity", "NaN", Number.POSITIVE_INFINITY, Number.NaN])
            assert.equal(isQuantity(bad), false, String(bad));
        assert.ok(quantitiesEqual(".55", "550m"));
        assert.ok(quantitiesEqual("1.", "1"));
        assert.ok(quantitiesEqual(0.5, "500m"));
        assert.deepEqual(parseQuantity("-1.5"), { numerator: -15n, denominator: 10n });
        assert.deepEqual(parseQuantity("2Ki"), { numerator: 2048n, denominator: 1n });
        assert.deepEqual(parseQuantity("3m"), { numerator: 3n, denominator: 1000n });
        assert.equal(compareQuantities("-2", "-1"), -1);
        assert.equal(compareQuantities("1Ki", "1k"), 1);
        assert.equal(compareQuantities("1k", "1Ki"), -1);
    });

    it("reads the tag only from the last path segment and the digest only at the end", () => {
        assert.deepEqual(imagePinning("registry:5000/clamav"), { pinned: false, why: "unpinned" });
        // No name, or a tag after the digest: not references the kubelet pulls, so they pin nothing.
        assert.deepEqual(imagePinning(":1.0"), { pinned: false, why: "unpinned" });
        assert.deepEqual(imagePinning(`x@sha256:${"a".repeat(64)}:extra`), { pinned: false, why: "unpinned" });
        assert.deepEqual(imagePinning(`x:1@sha256:${"a".repeat(64)}`), { pinned: true, by: "digest" });
    });
});

describe("openshift-namespace-ids: which RoleBindings grant a pod's ServiceAccount an SCC (OpenShift's RBAC rules)", () => {
    const ns = "scanning";
    // A pod with a fixed uid, run as ServiceAccount "clair" in namespace "scanning".
    const pod = () => {
        const d: any = deployment(podSpec([container("clair")]), "clair");
        d.metadata.namespace = ns;
        d.spec.template.spec.serviceAccountName = "clair";
        return { type: DEPLOYMENT, name: "clair", props: d };
    };
    const binding = (overrides: { namespace?: string; roleRef?: Record<string, string>; subjects?: Record<string, string>[] }) => ({
        type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        name: "grant",
        props: {
            metadata: { name: "grant", namespace: overrides.namespace ?? ns },
            roleRef: overrides.roleRef ?? { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:openshift:scc:nonroot-v2" },
            subjects: overrides.subjects ?? [{ kind: "ServiceAccount", name: "clair", namespace: ns }],
        },
    });
    const admitted = async (...bindings: ReturnType<typeof binding>[]) =>
        (await checkStack(openshiftNamespaceIds, [pod(), ...bindings])).violations.length === 0;

    it("without a binding, the fixed uid is refused", async () => {
        assert.equal(await admitted(), false);
    });

    it("a binding of the account itself, or of a group that holds it, grants the SCC", async () => {
        assert.equal(await admitted(binding({})), true, "the account, with its namespace");
        assert.equal(await admitted(binding({ subjects: [{ kind: "ServiceAccount", name: "clair" }] })), true, "the account, namespace from the binding");
        assert.equal(await admitted(binding({ subjects: [{ kind: "Group", name: "system:serviceaccounts" }] })), true, "every account");
        assert.equal(await admitted(binding({ subjects: [{ kind: "Group", name: `system:serviceaccounts:${ns}` }] })), true, "the namespace's accounts");
    });

    it("a binding of another account, namespace, group or kind of subject, or of a Role or another ClusterRole, grants nothing", async () => {
        assert.equal(await admitted(binding({ subjects: [{ kind: "ServiceAccount", name: "other", namespace: ns }] })), false, "another account");
        assert.equal(
            await admitted(binding({ subjects: [{ kind: "ServiceAccount", name: "clair", namespace: "elsewhere" }] })),
            false,
            "another namespace's account",
        );
        assert.equal(await admitted(binding({ subjects: [{ kind: "Group", name: "system:serviceaccounts:elsewhere" }] })), false, "another namespace's group");
        assert.equal(await admitted(binding({ subjects: [{ kind: "User", name: "clair" }] })), false, "a user of the same name");
        assert.equal(await admitted(binding({ namespace: "elsewhere" })), false, "a binding in another namespace");
        assert.equal(await admitted(binding({ roleRef: { kind: "Role", name: "system:openshift:scc:nonroot-v2" } })), false, "a Role, not the ClusterRole");
        assert.equal(await admitted(binding({ roleRef: { kind: "ClusterRole", name: "edit" } })), false, "a ClusterRole that is no SCC's");
        assert.equal(
            await admitted(binding({ roleRef: { kind: "ClusterRole", name: "system:openshift:scc:restricted-v2" } })),
            false,
            "an SCC that assigns the IDs",
        );
    });
});
