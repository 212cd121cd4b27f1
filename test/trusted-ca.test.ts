/**
 * The trusted CA bundle (config `trustedCA`) through the real program under the mocks: where it
 * lands (Clair's /var/run/certs, which the image's SSL_CERT_DIR lists; CURL_CA_BUNDLE for the
 * freshclam that speaks TLS), where it must not (plain-http fetches, containers that make no
 * update requests), that nothing else changes, and the config mistakes refused at preview.
 *
 * The expectations are written here from the design, not read from the code: the paths are the
 * Clair image's (quay/clair Dockerfile v4.8.0: SSL_CERT_DIR=/etc/ssl/certs:/etc/pki/tls/certs:/var/run/certs)
 * and libfreshclam's variable (CURL_CA_BUNDLE, ClamAV 1.4 common/linux/cert_util_linux.c).
 */
import { strict as assert } from "assert";
import { podSpecOf } from "../policy/lib/workloads";
import { runProgram, stackConfig, unwrapSecrets, type MockRun, type RunOptions } from "../tools/mock-run";
import { atLeast } from "./helpers";
import { ZOD_WORDING } from "./plain-words";

const CLAIR_CERT_DIR = "/var/run/certs";
const FRESHCLAM_BUNDLE = "/var/run/trusted-ca/ca-bundle.crt";
const INJECT_LABEL = "config.openshift.io/inject-trusted-cabundle";
const OPENSHIFT = { openshiftInjected: true };
const EXISTING = { configMap: "corp-ca", key: "corp-bundle.pem" };
const DATABASE_CA = "-----BEGIN CERTIFICATE-----\nMIIBdatabaseCA\n-----END CERTIFICATE-----\n";

const withCa = (ca: object | undefined, sets: Record<string, string> = {}): RunOptions => ({
    config: ca ? { "scanning-platform:trustedCA": JSON.stringify(ca) } : {},
    sets,
});

interface Pod {
    owner: string;
    spec: any;
}
function pods(run: MockRun): Pod[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        return spec ? [{ owner: `${o.kind}/${o.metadata.name}`, spec }] : [];
    });
}
const pod = (run: MockRun, owner: string): Pod => {
    const found = pods(run).filter((p) => p.owner === owner);
    assert.equal(
        found.length,
        1,
        `one pod of ${owner} in ${pods(run)
            .map((p) => p.owner)
            .join(", ")}`,
    );
    return found[0];
};
const containers = (spec: any): any[] => [...(spec.initContainers ?? []), ...spec.containers];
const container = (p: Pod, name: string) => containers(p.spec).find((c) => c.name === name) ?? assert.fail(`${p.owner} has no container ${name}`);
const envOf = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name)?.value;
const mountAt = (c: any, mountPath: string) => (c.volumeMounts ?? []).find((m: any) => m.mountPath === mountPath);
const volume = (p: Pod, name: string) => (p.spec.volumes ?? []).find((v: any) => v.name === name);

/** The bundle's file where each client reads it, from the pod spec alone: what a container would see. */
function clairSeesBundle(p: Pod, containerName: string, configMap: string, key: string): boolean {
    const mount = mountAt(container(p, containerName), CLAIR_CERT_DIR);
    if (!mount?.readOnly) return false;
    const v = volume(p, mount.name);
    const sources = v?.projected?.sources ?? (v?.configMap ? [{ configMap: v.configMap }] : []);
    // Go reads each file directly in the directory: the item's path must be a plain file name.
    return sources.some((s: any) => s.configMap?.name === configMap && (s.configMap.items ?? []).some((i: any) => i.key === key && !i.path.includes("/")));
}
function freshclamSeesBundle(p: Pod, containerName: string, configMap: string, key: string): boolean {
    const c = container(p, containerName);
    if (envOf(c, "CURL_CA_BUNDLE") !== FRESHCLAM_BUNDLE) return false;
    const dir = FRESHCLAM_BUNDLE.slice(0, FRESHCLAM_BUNDLE.lastIndexOf("/"));
    const file = FRESHCLAM_BUNDLE.slice(dir.length + 1);
    const mount = mountAt(c, dir);
    if (!mount?.readOnly) return false;
    const items = volume(p, mount.name)?.configMap;
    return items?.name === configMap && items.items?.some((i: any) => i.key === key && i.path === file);
}

/**
 * A run with the bundle on, with exactly the additions this feature may make taken out again:
 * the labelled ConfigMap, CURL_CA_BUNDLE and its mount and volume, and Clair's CA directory's
 * trusted file (a projected volume with the database CA becomes that CA's ConfigMap volume
 * again; one with only the bundle goes with its mount). What remains must equal the run without.
 */
function withoutTrustedCa(run: MockRun, configMap: string): any[] {
    const objects = k8sObjects(run).filter((o) => !(o.kind === "ConfigMap" && o.metadata.labels?.[INJECT_LABEL] === "true"));
    for (const o of objects) {
        const spec: any = podSpecOf(`kubernetes:${o.apiVersion.includes("/") ? o.apiVersion : `core/${o.apiVersion}`}:${o.kind}`, o);
        if (!spec) continue;
        const dropped = new Set<string>();
        spec.volumes = (spec.volumes ?? []).flatMap((v: any) => {
            if (v.configMap?.name === configMap) {
                dropped.add(v.name);
                return [];
            }
            const sources = v.projected?.sources;
            if (!sources?.some((s: any) => s.configMap?.name === configMap)) return [v];
            const rest = sources.filter((s: any) => s.configMap?.name !== configMap);
            if (rest.length === 0) {
                dropped.add(v.name);
                return [];
            }
            assert.equal(rest.length, 1, `${o.metadata.name}: one other source beside the bundle (the database CA)`);
            return [{ name: "database-ca", ...rest[0] }];
        });
        if (spec.volumes.length === 0) delete spec.volumes;
        for (const c of containers(spec)) {
            c.env = (c.env ?? []).filter((e: any) => e.name !== "CURL_CA_BUNDLE");
            if (c.env.length === 0) delete c.env;
            c.volumeMounts = (c.volumeMounts ?? [])
                .filter((m: any) => !dropped.has(m.name))
                .map((m: any) => (m.mountPath === CLAIR_CERT_DIR ? { ...m, name: "database-ca" } : m));
            if (c.volumeMounts.length === 0) delete c.volumeMounts;
        }
    }
    return objects;
}
function k8sObjects(run: MockRun): any[] {
    return run.resources
        .filter((r) => r.custom && r.type.startsWith("kubernetes:"))
        .map((r) => JSON.parse(JSON.stringify(unwrapSecrets(r.inputs))))
        .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
}

describe("trustedCA: a CA bundle for the updaters behind TLS inspection", function () {
    this.timeout(600_000);
    const seed = process.env.SSCAN_MOCK_RANDOM_SEED;
    // Generated secrets from a fixed seed: two runs can then be compared object by object.
    before(() => (process.env.SSCAN_MOCK_RANDOM_SEED = "trusted-ca-test"));
    after(() => (seed === undefined ? delete process.env.SSCAN_MOCK_RANDOM_SEED : (process.env.SSCAN_MOCK_RANDOM_SEED = seed)));

    it("OpenShift: an empty ConfigMap labelled for injection (no data, so the provider never claims the operator's key)", async () => {
        const run = await runProgram("prod", withCa(OPENSHIFT));
        const labelled = k8sObjects(run).filter((o) => o.metadata.labels?.[INJECT_LABEL] === "true");
        assert.equal(labelled.length, 1);
        const cm = labelled[0];
        assert.equal(cm.kind, "ConfigMap");
        assert.equal(cm.metadata.namespace, "clair-production");
        assert.ok(!("data" in cm) && !("binaryData" in cm), `the ConfigMap sets ${Object.keys(cm).join(", ")}`);
    });

    it("reaches Clair's three node types in the directory the image trusts, and the mirror's freshclam by CURL_CA_BUNDLE, not clamd's (plain http from the in-cluster mirror)", async () => {
        const run = await runProgram("prod", withCa(OPENSHIFT));
        const cm = k8sObjects(run).find((o) => o.metadata.labels?.[INJECT_LABEL] === "true").metadata.name;
        for (const owner of ["StatefulSet/clair-indexer", "Deployment/clair-matcher", "Deployment/clair-notifier"]) {
            assert.ok(clairSeesBundle(pod(run, owner), "clair", cm, "ca-bundle.crt"), owner);
        }
        assert.ok(freshclamSeesBundle(pod(run, "StatefulSet/clamav-mirror"), "freshclam", cm, "ca-bundle.crt"));
        // The mirror's nginx serves, clamd scans, the upgrade Jobs talk only to the database: none of them.
        const clamd = pod(run, "Deployment/clamav");
        for (const c of containers(clamd.spec)) assert.equal(envOf(c, "CURL_CA_BUNDLE"), undefined, `clamav/${c.name}`);
        assert.equal(envOf(container(pod(run, "StatefulSet/clamav-mirror"), "nginx"), "CURL_CA_BUNDLE"), undefined);
        for (const p of atLeast(
            pods(run).filter((x) => /^Job\/clair-(pre|post)-/.test(x.owner)),
            2,
            "the pre and post Jobs",
        ))
            assert.equal(mountAt(p.spec.containers[0], CLAIR_CERT_DIR), undefined, p.owner);
    });

    it("changes nothing else: the run with it, less its own additions, equals the run without", async () => {
        for (const [stack, ca, sets] of [
            ["prod", OPENSHIFT, {}],
            ["stage", EXISTING, { "clamav.mirror.enabled": "false" }],
            ["local", EXISTING, {}],
            ["prod", EXISTING, { "clair.database.caBundle": DATABASE_CA }],
        ] as [string, object, Record<string, string>][]) {
            const on = await runProgram(stack, withCa(ca, sets));
            const off = await runProgram(stack, withCa(undefined, sets));
            const configMap = "configMap" in ca ? EXISTING.configMap : "trusted-ca-bundle";
            assert.notDeepEqual(k8sObjects(on), k8sObjects(off), `${stack} ${JSON.stringify(sets)}: the setting changed nothing`);
            assert.deepEqual(withoutTrustedCa(on, configMap), k8sObjects(off), `${stack} ${JSON.stringify(sets)}`);
        }
    });

    it("keeps the database CA where sslrootcert reads it, beside the bundle in the same directory", async () => {
        const run = await runProgram("prod", withCa(EXISTING, { "clair.database.caBundle": DATABASE_CA }));
        const matcher = pod(run, "Deployment/clair-matcher");
        assert.ok(clairSeesBundle(matcher, "clair", EXISTING.configMap, EXISTING.key));
        const v = volume(matcher, mountAt(container(matcher, "clair"), CLAIR_CERT_DIR).name);
        const databaseSource = v.projected.sources.find((s: any) => s.configMap?.name !== EXISTING.configMap);
        const databaseCm = k8sObjects(run).find((o) => o.kind === "ConfigMap" && o.metadata.name === databaseSource.configMap.name);
        // The whole database-CA ConfigMap is projected (no items): its key is the file name.
        assert.equal(databaseSource.configMap.items, undefined);
        const [file] = Object.keys(databaseCm.data);
        const config = JSON.stringify(k8sObjects(run).filter((o) => o.kind === "Secret"));
        assert.ok(config.includes(`sslrootcert=${CLAIR_CERT_DIR}/${file}`), `sslrootcert ${CLAIR_CERT_DIR}/${file} in Clair's config`);
        assert.notEqual(file, "trusted-ca-bundle.pem");
    });

    it("without the in-cluster mirror: clamd's freshclam init containers (CDN, or an https mirror) get it, clamd and the exporter do not; an http mirror gets none", async () => {
        for (const source of [{}, { "clamav.privateMirror": "https://clamav.corp.example" }] as Record<string, string>[]) {
            const run = await runProgram("prod", withCa(EXISTING, { "clamav.mirror.enabled": "false", ...source }));
            const clamd = pod(run, "Deployment/clamav");
            const inits = clamd.spec.initContainers.map((c: any) => c.name);
            assert.ok(inits.length >= 1);
            for (const name of inits) assert.ok(freshclamSeesBundle(clamd, name, EXISTING.configMap, EXISTING.key), `${JSON.stringify(source)} ${name}`);
            for (const c of clamd.spec.containers) assert.equal(envOf(c, "CURL_CA_BUNDLE"), undefined, c.name);
        }
        const http = await runProgram("prod", withCa(EXISTING, { "clamav.mirror.enabled": "false", "clamav.privateMirror": "http://clamav.corp.example" }));
        for (const c of containers(pod(http, "Deployment/clamav").spec)) assert.equal(envOf(c, "CURL_CA_BUNDLE"), undefined, c.name);
        assert.deepEqual(
            withoutTrustedCa(http, EXISTING.configMap),
            k8sObjects(await runProgram("prod", withCa(undefined, { "clamav.mirror.enabled": "false", "clamav.privateMirror": "http://clamav.corp.example" }))),
        );
    });

    it("the mirror's updater: with an https upstream mirror yes, an http one or none (disconnected, no updater) no", async () => {
        const https = await runProgram("prod", withCa(EXISTING, { "clamav.privateMirror": "https://clamav.corp.example" }));
        assert.ok(freshclamSeesBundle(pod(https, "StatefulSet/clamav-mirror"), "freshclam", EXISTING.configMap, EXISTING.key));
        for (const sets of [{ "clamav.privateMirror": "http://clamav.corp.example" }, { "clamav.mirror.upstream": "none" }] as Record<string, string>[]) {
            const run = await runProgram("prod", withCa(EXISTING, sets));
            for (const p of atLeast(
                pods(run).filter((x) => x.owner.startsWith("StatefulSet/clamav-mirror") || x.owner === "Deployment/clamav"),
                2,
                "the mirror's and clamd's pods",
            )) {
                for (const c of containers(p.spec)) assert.equal(envOf(c, "CURL_CA_BUNDLE"), undefined, `${JSON.stringify(sets)} ${p.owner}/${c.name}`);
                assert.equal(volume(p, "trusted-ca"), undefined);
            }
        }
    });

    it("disconnected Clair: the import from a URL (Job and CronJob) trusts it; an import from a claim fetches nothing and does not", async () => {
        const url = await runProgram("local", withCa(EXISTING, { "clair.disconnected.bundleUrl": "https://bundles.corp.example/updates.json.gz" }));
        const imports = pods(url).filter((p) => /^(Job\/clair-import-|CronJob\/clair-import-updaters)/.test(p.owner));
        assert.equal(imports.length, 2, imports.map((p) => p.owner).join(", "));
        for (const p of imports) assert.ok(clairSeesBundle(p, "clairctl", EXISTING.configMap, EXISTING.key), p.owner);
        // The local stack's own clair block, with the bundle on a claim instead of at a URL.
        const clair = JSON.parse(stackConfig("local")["scanning-platform:clair"]);
        const { bundleUrl: _url, ...disconnected } = clair.disconnected;
        const claimConfig = { ...clair, disconnected: { ...disconnected, bundleClaim: "clair-bundles", bundlePath: "updates.json.gz" } };
        const claim = await runProgram("local", {
            config: { "scanning-platform:trustedCA": JSON.stringify(EXISTING), "scanning-platform:clair": JSON.stringify(claimConfig) },
        });
        assert.equal(pods(claim).filter((x) => /^(Job|CronJob)\/clair-import/.test(x.owner)).length, 2);
        for (const p of pods(claim).filter((x) => /^(Job|CronJob)\/clair-import/.test(x.owner)))
            assert.equal(mountAt(p.spec.containers[0], CLAIR_CERT_DIR), undefined, p.owner);
    });

    it("off by default: no object mentions it", async () => {
        for (const stack of ["stage", "prod", "local"]) {
            const text = JSON.stringify(k8sObjects(await runProgram(stack)));
            for (const word of ["CURL_CA_BUNDLE", INJECT_LABEL, "trusted-ca"]) assert.ok(!text.includes(word), `${stack}: ${word}`);
        }
    });

    describe("refuses a bad trustedCA at preview, naming the key, the value and what is allowed", () => {
        async function refused(ca: object, ...expected: RegExp[]) {
            await assert.rejects(runProgram("prod", withCa(ca)), (err: Error) => {
                for (const pattern of expected) assert.match(err.message, pattern);
                assert.doesNotMatch(err.message, ZOD_WORDING);
                assert.equal((err as Error & { resourcesRegistered: number }).resourcesRegistered, 0, "nothing registered");
                return true;
            });
        }
        it("both sources at once", () =>
            refused(
                { openshiftInjected: true, configMap: "corp-ca" },
                /Pulumi\.prod\.yaml: scanning-platform:trustedCA\.configMap = "corp-ca": cannot be combined with trustedCA\.openshiftInjected: true/,
            ));
        it("another key than the one OpenShift fills", () =>
            refused({ openshiftInjected: true, key: "tls-ca-bundle.pem" }, /scanning-platform:trustedCA\.key = "tls-ca-bundle\.pem": must be ca-bundle\.crt/));
        it("a key without a ConfigMap", () => refused({ key: "ca.pem" }, /scanning-platform:trustedCA\.key = "ca\.pem": needs trustedCA\.configMap/));
        it("a key that cannot be a ConfigMap key, a name that cannot be an object name", () =>
            refused(
                { configMap: "Corp_CA", key: "certs/ca.pem" },
                /scanning-platform:trustedCA\.configMap = "Corp_CA": .*must be a Kubernetes name/,
                /scanning-platform:trustedCA\.key = "certs\/ca\.pem": may hold only letters, digits, '-', '_' and '\.'; must be a ConfigMap key/,
            ));
        it("openshiftInjected as text, and an unknown key", () =>
            refused(
                { openshiftInjected: "yes", bundle: "x" },
                /scanning-platform:trustedCA\.openshiftInjected = "yes": must be true or false/,
                /scanning-platform:trustedCA\.bundle: unknown key; allowed here: openshiftInjected, configMap, key/,
            ));
    });
});
