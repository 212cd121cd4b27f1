/**
 * What the program promises about traffic and disruption, checked exactly on every stack file:
 * each NetworkPolicy's pods, peers and ports; each disruption budget; the priority class; the
 * RDS security group and its rules. Expected values are written here from what each app needs
 * (its ports, its peers), not read from the components.
 */
import { strict as assert } from "assert";
import { parseConfig } from "../config/load";
import { podSpecOf } from "../policy/lib/workloads";
import { listStacks, runProgram, stackConfig, unwrapSecrets, type MockRun } from "../tools/mock-run";
import { atLeast, AWS, ofType, stackRun } from "./helpers";

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

const tcp = (...ports: number[]) => ({ ports: ports.map((port) => ({ port, protocol: "TCP" })) });
/** Name resolution: every pod needs it, over UDP and TCP. */
const DNS = [{ ports: [{ port: 53, protocol: "UDP" }] }, { ports: [{ port: 53, protocol: "TCP" }] }];
const CLAIR_API = 8080;
const CLAIR_INTROSPECTION = 8089;
const CLAMD = 3310;
const MALWAR_API = 8000;
/** The in-cluster signature mirror's nginx. */
const MIRROR = 8080;
const POSTGRES = 5432;
const KUBE_API = 6443;
const CLAMAV_EXPORTER = 9906;
/** OpenShift user-workload monitoring's Prometheus: its pods, in its namespace (one peer: both must match). */
const SCRAPER = [
    {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "openshift-user-workload-monitoring" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
    },
];

const clair = (component: string) => ({ "app.kubernetes.io/name": "clair", "app.kubernetes.io/component": component });

/** Pod templates of the run: owner name and pod labels. */
function pods(run: MockRun): { name: string; labels: Record<string, string>; spec: any }[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        if (!spec) return [];
        const template = r.type.endsWith(":CronJob") ? o.spec.jobTemplate.spec.template : o.spec.template;
        return [{ name: o.metadata.name, labels: template.metadata?.labels ?? {}, spec }];
    });
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
const selected = (run: MockRun, selector: Record<string, string>) =>
    pods(run)
        .filter((p) => selects(selector, p.labels))
        .map((p) => p.name)
        .sort();

function policies(run: MockRun): Map<string, any> {
    return new Map(ofType(run, NETWORK_POLICY).map((r) => [r.inputs.metadata.name, unwrapSecrets(r.inputs).spec]));
}

for (const stack of listStacks()) {
    describe(`traffic and disruption on the ${stack} stack`, () => {
        const inCluster = () => parseConfig(stackConfig(stack)).clair.database.backend === "in-cluster";

        it("Clair: API in, metrics in from the scraper only; DNS, registries and feeds (or the updaters bundle's port), its databases and its own API out", async () => {
            const run = await stackRun(stack);
            const spec: any = policies(run).get("clair");
            const offline = parseConfig(stackConfig(stack)).clair.disconnected;
            // The import Job fetches its bundle from the URL's port (the local stack's: 8081).
            const bundlePort = offline.bundleUrl ? Number(new URL(offline.bundleUrl).port) : undefined;
            assert.deepEqual(spec, {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "clair" } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [tcp(CLAIR_API), { ...tcp(CLAIR_INTROSPECTION), from: SCRAPER }],
                egress: [
                    ...DNS,
                    tcp(80, 443, POSTGRES, ...(bundlePort ? [bundlePort] : [])),
                    { ...tcp(CLAIR_API), to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "clair" } } }] },
                ],
            });
            if (stack === "local") assert.equal(bundlePort, 8081, "the local stack runs disconnected, with its bundle on port 8081");
            // It covers the three node types and the clairctl Jobs (the upgrade pair on every
            // stack, the import Job and CronJob in disconnected mode), and its peer rule reaches them.
            const clairPods = [
                "clair-indexer",
                "clair-matcher",
                "clair-notifier",
                "clair-post-v4-8-0",
                "clair-pre-v4-8-0",
                ...(offline.enabled ? ["clair-import-updaters", "clair-import-32d9412a"] : []),
            ].sort();
            assert.deepEqual(selected(run, spec.podSelector.matchLabels), clairPods);
            assert.deepEqual(selected(run, (spec as any).egress[3].to[0].podSelector.matchLabels), clairPods);
        });

        const mirrorOn = () => parseConfig(stackConfig(stack)).clamav.mirror.enabled;
        const instance = (name: string) => ({ "app.kubernetes.io/instance": name });

        it("ClamAV: clamd in, the exporter's metrics in from the scraper only; DNS and its signature source (the in-cluster mirror on 8080, else the CDN on 80/443) out", async () => {
            const run = await stackRun(stack);
            const spec: any = policies(run).get("clamav");
            assert.deepEqual(spec, {
                podSelector: { matchLabels: instance("clamav") },
                policyTypes: ["Ingress", "Egress"],
                ingress: [tcp(CLAMD), { ...tcp(CLAMAV_EXPORTER), from: SCRAPER }],
                egress: [...DNS, mirrorOn() ? tcp(MIRROR) : tcp(80, 443)],
            });
            assert.deepEqual(selected(run, spec.podSelector.matchLabels), ["clamav"]);
        });

        (mirrorOn() ? it : it.skip)("the signature mirror: 8080 in from clamd and the refresh job only; DNS and the CDN (80, 443) out", async () => {
            const run = await stackRun(stack);
            const spec: any = policies(run).get("clamav-mirror");
            assert.deepEqual(spec, {
                podSelector: { matchLabels: instance("clamav-mirror") },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    {
                        ...tcp(MIRROR),
                        from: [{ podSelector: { matchLabels: instance("clamav") } }, { podSelector: { matchLabels: instance("refresh-clamav-db") } }],
                    },
                ],
                egress: [...DNS, tcp(80, 443)],
            });
            assert.deepEqual(selected(run, spec.podSelector.matchLabels), ["clamav-mirror"]);
            assert.deepEqual(
                spec.ingress[0].from.map((peer: any) => selected(run, peer.podSelector.matchLabels)),
                [["clamav"], ["refresh-clamav-db"]],
            );
        });

        it("the refresh job: nothing in; DNS, the API server (443, 6443) and the mirror (8080, when on) out", async () => {
            const run = await stackRun(stack);
            const spec: any = policies(run).get("refresh-clamav-db");
            // No ingress rule with both policy types: all ingress is denied.
            assert.deepEqual(spec, {
                podSelector: { matchLabels: instance("refresh-clamav-db") },
                policyTypes: ["Ingress", "Egress"],
                egress: [...DNS, tcp(443, KUBE_API), ...(mirrorOn() ? [tcp(MIRROR)] : [])],
            });
            assert.deepEqual(selected(run, spec.podSelector.matchLabels), ["refresh-clamav-db"]);
        });

        it("Malwar on SQLite: its API in; DNS, HTTP (the URL crawler's http:// links) and HTTPS (crawler, Anthropic, webhooks) out, no PostgreSQL", async () => {
            const run = await stackRun(stack);
            const spec: any = policies(run).get("malwar");
            assert.deepEqual(spec, {
                podSelector: { matchLabels: { "app.kubernetes.io/instance": "malwar" } },
                policyTypes: ["Ingress", "Egress"],
                ingress: [tcp(MALWAR_API)],
                egress: [...DNS, tcp(80, 443)],
            });
            assert.deepEqual(selected(run, spec.podSelector.matchLabels), ["malwar"]);
        });

        // Only where Clair's databases run in the cluster (the local stack).
        (inCluster() ? it : () => undefined)(
            "in-cluster PostgreSQL admits only its own Clair node type and the clairctl Jobs that use it, on 5432, and sends only DNS",
            async () => {
                const run = await stackRun(stack);
                // clairctl admin pre/post touch the indexer (v4.7.x) and matcher (v4.8.0) databases;
                // import-updaters writes into the matcher's. Nobody but the notifier reaches its own.
                const clients: Record<string, { component: string; pods: string[] }[]> = {
                    indexer: [
                        { component: "indexer", pods: ["clair-indexer"] },
                        { component: "clairctl-upgrade", pods: ["clair-post-v4-8-0", "clair-pre-v4-8-0"] },
                    ],
                    matcher: [
                        { component: "matcher", pods: ["clair-matcher"] },
                        { component: "clairctl-upgrade", pods: ["clair-post-v4-8-0", "clair-pre-v4-8-0"] },
                        { component: "clairctl-import", pods: ["clair-import-32d9412a", "clair-import-updaters"] },
                    ],
                    notifier: [{ component: "notifier", pods: ["clair-notifier"] }],
                };
                for (const mode of ["indexer", "matcher", "notifier"]) {
                    const spec: any = policies(run).get(`clair-${mode}-db`);
                    assert.deepEqual(spec, {
                        podSelector: { matchLabels: { "app.kubernetes.io/instance": `clair-${mode}-db` } },
                        policyTypes: ["Ingress", "Egress"],
                        ingress: [{ ...tcp(POSTGRES), from: clients[mode].map((c) => ({ podSelector: { matchLabels: clair(c.component) } })) }],
                        egress: DNS,
                    });
                    assert.deepEqual(selected(run, spec.podSelector.matchLabels), [`clair-${mode}-db`]);
                    clients[mode].forEach((c, i) => assert.deepEqual(selected(run, (spec as any).ingress[0].from[i].podSelector.matchLabels), c.pods));
                }
            },
        );

        it("has a NetworkPolicy for every pod, and no policy that selects nothing", async () => {
            const run = await stackRun(stack);
            const all = policies(run);
            for (const pod of pods(run)) {
                const covering = [...all].filter(([, spec]) => selects(spec.podSelector.matchLabels, pod.labels)).map(([name]) => name);
                assert.equal(covering.length, 1, `${pod.name} is selected by ${covering.join(", ") || "no policy"}`);
            }
            for (const [name, spec] of all) assert.ok(selected(run, spec.podSelector.matchLabels).length > 0, `${name} selects no pod`);
            // Malwar's backup CronJob where backups are on (not on local, which has no AWS).
            const expected = [
                "clair",
                "clamav",
                "malwar",
                "refresh-clamav-db",
                ...(mirrorOn() ? ["clamav-mirror"] : []),
                ...(inCluster() ? ["clair-indexer-db", "clair-matcher-db", "clair-notifier-db"] : ["malwar-backup"]),
            ];
            assert.deepEqual([...all.keys()].sort(), expected.sort());
        });

        it("lets drains take one pod of each serving workload at a time, and evict pods that are not ready", async () => {
            const run = await stackRun(stack);
            const budgets = ofType(run, PDB).map((r) => unwrapSecrets(r.inputs));
            const expected = {
                "clair-indexer": clair("indexer"),
                "clair-matcher": clair("matcher"),
                "clair-notifier": clair("notifier"),
                clamav: { "app.kubernetes.io/name": "clamav", "app.kubernetes.io/component": "clamd" },
                ...(mirrorOn() ? { "clamav-mirror": { "app.kubernetes.io/name": "clamav", "app.kubernetes.io/component": "mirror" } } : {}),
                malwar: { "app.kubernetes.io/name": "malwar", "app.kubernetes.io/component": "api" },
            };
            assert.deepEqual(budgets.map((b) => b.metadata.name).sort(), Object.keys(expected).sort());
            for (const budget of budgets) {
                const name: keyof typeof expected = budget.metadata.name;
                assert.deepEqual(
                    budget.spec,
                    { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: expected[name] } },
                    name,
                );
                assert.deepEqual(selected(run, budget.spec.selector.matchLabels), [name], `${name}'s budget covers its own pods only`);
            }
        });

        it("sets no priority class unless kubernetes.priorityClassName is set, then on every pod", async () => {
            const plain = await stackRun(stack);
            for (const pod of pods(plain)) assert.equal(pod.spec.priorityClassName, undefined, pod.name);
            const run = await runProgram(stack, { sets: { "kubernetes.priorityClassName": "scanning-high" } });
            const all = pods(run);
            assert.deepEqual(
                all.map((p) => p.name).sort(),
                pods(plain)
                    .map((p) => p.name)
                    .sort(),
            );
            for (const pod of all) assert.equal(pod.spec.priorityClassName, "scanning-high", pod.name);
        });
    });
}

describe("the RDS network", () => {
    for (const stack of atLeast(
        listStacks().filter((s) => parseConfig(stackConfig(s)).databaseNetwork),
        2,
        "stacks with an RDS network (stage, prod)",
    )) {
        it(`${stack}: the security group in the stack's VPC admits exactly its CIDRs on 5432, and every instance uses it and the subnet group`, async () => {
            const network = JSON.parse(stackConfig(stack)["scanning-platform:network"]);
            const run = await stackRun(stack);
            const [group] = ofType(run, AWS.securityGroup);
            assert.equal(ofType(run, AWS.securityGroup).length, 1);
            assert.equal(group.inputs.vpcId, network.vpcId);
            const [subnets] = ofType(run, AWS.subnetGroup);
            assert.deepEqual(subnets.inputs.subnetIds, network.subnetIds);
            const rules = ofType(run, AWS.ingressRule).map((r) => r.inputs);
            assert.deepEqual(
                rules.map((r) => ({
                    cidrIpv4: r.cidrIpv4,
                    ipProtocol: r.ipProtocol,
                    fromPort: r.fromPort,
                    toPort: r.toPort,
                    securityGroupId: r.securityGroupId,
                })),
                network.allowedCidrs.map((cidr: string) => ({ cidrIpv4: cidr, ipProtocol: "tcp", fromPort: 5432, toPort: 5432, securityGroupId: group.id })),
            );
            for (const db of ofType(run, AWS.instance)) {
                assert.deepEqual(db.inputs.vpcSecurityGroupIds, [group.id], db.name);
                assert.equal(db.inputs.dbSubnetGroupName, subnets.state.name, db.name);
                assert.equal(db.inputs.publiclyAccessible, false, db.name);
            }
        });
    }

    it("admits configured security groups by reference, and other CIDRs when configured", async () => {
        const run = await runProgram("prod", {
            sets: {
                "network.allowedCidrs": '["10.0.0.0/16","192.168.8.0/24"]',
                "network.allowedSecurityGroupIds": '["sg-0123456789abcdef0","sg-0fedcba9876543210"]',
            },
        });
        const [group] = ofType(run, AWS.securityGroup);
        const rules = ofType(run, AWS.ingressRule).map((r) => r.inputs);
        const shape = (r: any) => ({
            source: r.cidrIpv4 ?? r.referencedSecurityGroupId,
            ipProtocol: r.ipProtocol,
            fromPort: r.fromPort,
            toPort: r.toPort,
            securityGroupId: r.securityGroupId,
        });
        assert.deepEqual(
            rules.map(shape).sort((a, b) => a.source.localeCompare(b.source)),
            ["10.0.0.0/16", "192.168.8.0/24", "sg-0123456789abcdef0", "sg-0fedcba9876543210"].map((source) => ({
                source,
                ipProtocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                securityGroupId: group.id,
            })),
        );
        for (const r of rules) assert.ok(!(r.cidrIpv4 && r.referencedSecurityGroupId), "one source per rule");
    });

    it("creates no network when no database runs on RDS", async () => {
        const run = await stackRun("local");
        for (const type of [AWS.securityGroup, AWS.subnetGroup, AWS.ingressRule, AWS.instance]) assert.equal(ofType(run, type).length, 0, type);
    });
});

describe("NetworkPolicies that follow the config", () => {
    it("ClamAV without the in-cluster mirror reaches an external mirror on its port only (not the CDN)", async () => {
        const run = await runProgram("stage", { sets: { "clamav.mirror.enabled": "false", "clamav.privateMirror": "https://clamav-mirror.internal:8443" } });
        assert.deepEqual(policies(run).get("clamav").egress, [...DNS, tcp(8443)]);
        const plain = await runProgram("stage", { sets: { "clamav.mirror.enabled": "false", "clamav.privateMirror": "http://clamav-mirror.internal" } });
        assert.deepEqual(policies(plain).get("clamav").egress, [...DNS, tcp(80)]);
        const cdn = await runProgram("stage", { sets: { "clamav.mirror.enabled": "false" } });
        assert.deepEqual(policies(cdn).get("clamav").egress, [...DNS, tcp(80, 443)]);
    });

    it("Malwar reaches its webhooks on their own ports, the mail server on its port, and the proxy's ports", async () => {
        const run = await runProgram("stage", {
            sets: {
                "malwar.webhookUrls": '["https://hooks.example.com:8443/a","http://hooks.example.com/b","https://other.example.com/c"]',
                "malwar.notifications.email": '{"host":"smtp.example.com","port":2525,"from":"malwar@example.com","to":["soc@example.com"]}',
            },
            config: {
                "scanning-platform:proxy": JSON.stringify({ httpProxy: "http://proxy.corp.example:3128", httpsProxy: "http://proxy.corp.example:3129" }),
            },
        });
        assert.deepEqual(policies(run).get("malwar").egress, [...DNS, tcp(80, 443, 8443, 3128, 3129, 2525)]);
        const defaults = await runProgram("stage", {
            sets: { "malwar.notifications.email": '{"host":"smtp.example.com","from":"malwar@example.com","to":["soc@example.com"]}' },
        });
        assert.deepEqual(policies(defaults).get("malwar").egress, [...DNS, tcp(80, 443, 587)], "submission (587) when no port is given");
    });

    it("admits the configured scraper (namespace and pod labels) to Clair's 8089 and ClamAV's 9906", async () => {
        const run = await runProgram("prod", {
            sets: {
                "monitoring.scraper.namespace": "monitoring",
                "monitoring.scraper.podLabels": '{"app.kubernetes.io/name":"prometheus","prometheus":"k8s"}',
            },
        });
        const scraper = [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus", prometheus: "k8s" } },
            },
        ];
        assert.deepEqual(policies(run).get("clair").ingress, [tcp(CLAIR_API), { ...tcp(CLAIR_INTROSPECTION), from: scraper }]);
        assert.deepEqual(policies(run).get("clamav").ingress, [tcp(CLAMD), { ...tcp(CLAMAV_EXPORTER), from: scraper }]);
    });

    it("without PodMonitors nothing but the node reaches Clair's metrics port, and ClamAV has no exporter port", async () => {
        const run = await runProgram("prod", { sets: { "monitoring.podMonitors": "false" } });
        assert.deepEqual(policies(run).get("clair").ingress, [tcp(CLAIR_API)]);
        assert.deepEqual(policies(run).get("clamav").ingress, [tcp(CLAMD)]);
    });
});
