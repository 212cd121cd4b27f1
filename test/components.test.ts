import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Clamav, type ClamavArgs } from "../components/clamav";
import { runInMocks, unwrapSecrets } from "../tools/mock-run";

const resources = { cpu: "1", memory: "4Gi" };
const args = (namespace: string): ClamavArgs => ({
    namespace,
    image: "clamav/clamav:1.4.3",
    replicas: 2,
    resources,
    updaterResources: { cpu: "500m", memory: "1Gi" },
    limits: {
        streamMaxLength: "100M",
        maxScanSize: "400M",
        maxFileSize: "100M",
        maxRecursion: 17,
        maxFiles: 10000,
        maxThreads: 10,
        readTimeout: 120,
        commandReadTimeout: 30,
    },
    runAs: { user: 100, group: 101 },
    customDatabaseUrls: [],
    refresh: { name: "refresh-clamav-db", schedule: "0 */6 * * *", image: "registry.k8s.io/kubectl:v1.33.5", resources: { cpu: "100m", memory: "128Mi" } },
});

describe("components as Pulumi components", () => {
    it("take their provider through options: every child of a component given an explicit provider uses it", async () => {
        const created = await runInMocks("component-test", () => {
            const provider = new k8s.Provider("other-cluster", { context: "other" });
            new Clamav("clamav", args("scanning"), { providers: { kubernetes: provider } });
        });
        const children = created.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(children.length >= 10, `found ${children.length} Kubernetes objects`);
        for (const r of children) assert.match(r.provider, /::other-cluster::/, `${r.type} ${r.name} uses the explicit provider`);
    });

    it("derive their children's names from their own: two instances side by side do not collide", async () => {
        const created = await runInMocks("component-test", () => {
            new Clamav("clamav-a", args("team-a"));
            new Clamav("clamav-b", args("team-b"));
        });
        const urns = created.map((r) => `${r.type}::${r.name}`);
        assert.equal(new Set(urns).size, urns.length, "every resource name is unique");
        const namespaces = new Set(created.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => unwrapSecrets(r.inputs).metadata.namespace));
        assert.deepEqual([...namespaces].sort(), ["team-a", "team-b"]);
    });
});
