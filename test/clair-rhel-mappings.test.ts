/**
 * Disconnected Clair and Red Hat's two mapping files. claircore's RHEL scanners (v1.5.32,
 * rhel/repositoryscanner.go and rhel/rhcc/scanner.go) fetch them from security.access.redhat.com
 * unless their config names a local file; offline (indexer.airgap) they cannot, and the rhel
 * repository scanner then fails every layer. So in disconnected mode the indexer's config names a
 * file for each, and the file must be where the indexer pod mounts the ConfigMap holding it.
 *
 * Expected key names come from claircore's and Clair's documented config (Clair's
 * Documentation/reference/config.md: indexer.scanner.<repo|package>.<scanner name>; the scanner
 * names and JSON tags from claircore), written out here, not read from lib/clair-config.ts.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { listStacks, runProgram, stackConfig, type MockRun } from "../tools/mock-run";
import { K8S, mountOver, object } from "./helpers";

/** claircore rhel.RepositoryScanner.Name() and the JSON tags of rhel.RepositoryScannerConfig. */
const REPO_SCANNER = { kind: "repo", name: "rhel-repository-scanner", file: "repo2cpe_mapping_file", url: "repo2cpe_mapping_url" };
/** claircore rhcc scanner.Name() and the JSON tags of rhcc.ScannerConfig. */
const CONTAINER_SCANNER = { kind: "package", name: "rhel_containerscanner", file: "name2repos_mapping_file", url: "name2repos_mapping_url" };
/** The names Red Hat publishes the files under (claircore's default URLs end in them): the default ConfigMap keys. */
const DEFAULT_KEYS = { repo2cpe: "repository-to-cpe.json", name2repos: "container-name-repos-map.json" };

const OFFLINE = { "clair.disconnected.enabled": "true", "clair.disconnected.bundleUrl": "http://mirror.internal/clair/updates.json.gz" };

const clairConfigOf = (run: MockRun) => parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
const clairBlock = (stack: string) => JSON.parse(stackConfig(stack)["scanning-platform:clair"] ?? "{}");
/** The stacks whose own file turns disconnected mode on. */
const disconnectedStacks = () => listStacks().filter((stack) => clairBlock(stack).disconnected?.enabled === true);

/**
 * The file `path` as the indexer's Clair container sees it: the ConfigMap and key it comes from,
 * or why it does not exist there.
 */
function fileInIndexer(run: MockRun, path: string): { configMap: string; key: string; readOnly: boolean } | string {
    const pod = object(run, K8S.statefulSet, "clair-indexer").spec.template.spec;
    const container: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] } = pod.containers.find((c: any) => c.name === "clair");
    const mount = mountOver(container, path);
    if (!mount) return `no volume of the clair container is mounted over ${path}: ${container.volumeMounts.map((m) => m.mountPath).join(", ")}`;
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    if (!volume?.configMap) return `${path} lies under ${mount.mountPath}, volume ${mount.name}, which is not a ConfigMap: ${JSON.stringify(volume)}`;
    const inVolume = path.slice(mount.mountPath.replace(/\/$/, "").length + 1);
    const item = (volume.configMap.items ?? []).find((i: any) => i.path === inVolume);
    if (!item) return `${path} is ${inVolume} in ConfigMap ${volume.configMap.name}'s volume, which projects only ${JSON.stringify(volume.configMap.items)}`;
    return { configMap: volume.configMap.name, key: item.key, readOnly: mount.readOnly === true };
}

/** Each scanner's block in the rendered config's indexer.scanner. */
function scannerBlocks(config: any): { repo: any; container: any } {
    return {
        repo: config.indexer.scanner?.[REPO_SCANNER.kind]?.[REPO_SCANNER.name],
        container: config.indexer.scanner?.[CONTAINER_SCANNER.kind]?.[CONTAINER_SCANNER.name],
    };
}

/** The wiring every disconnected rendering must have: each file Clair's config names is the configured key of the configured ConfigMap. */
function assertWired(run: MockRun, expected: { configMap: string; repo2cpe: string; name2repos: string }, what: string): void {
    const config = clairConfigOf(run);
    assert.equal(config.indexer.airgap, true, `${what}: indexer.airgap`);
    const { repo, container } = scannerBlocks(config);
    assert.ok(repo && container, `${what}: indexer.scanner names both RHEL scanners: ${JSON.stringify(config.indexer.scanner)}`);
    // With only the file, claircore reads it once at start and never fetches (its URL stays empty).
    assert.equal(repo[REPO_SCANNER.url], undefined, `${what}: ${REPO_SCANNER.url}`);
    assert.equal(container[CONTAINER_SCANNER.url], undefined, `${what}: ${CONTAINER_SCANNER.url}`);
    for (const [block, keys, key] of [
        [repo, REPO_SCANNER, expected.repo2cpe],
        [container, CONTAINER_SCANNER, expected.name2repos],
    ] as const) {
        const file = block[keys.file];
        assert.equal(typeof file, "string", `${what}: ${keys.name}.${keys.file}`);
        assert.ok(file.startsWith("/"), `${what}: ${keys.file} is absolute (the indexer's working directory is the image's): ${file}`);
        assert.deepEqual(fileInIndexer(run, file), { configMap: expected.configMap, key, readOnly: true }, `${what}: ${keys.name}.${keys.file} = ${file}`);
    }
}

describe("Disconnected Clair: Red Hat's mapping files reach the indexer's RHEL scanners", () => {
    it("some stack file turns disconnected mode on (else the next test checks nothing)", () => {
        assert.ok(disconnectedStacks().length >= 1, `stacks: ${listStacks().join(", ")}`);
    });

    for (const stack of listStacks()) {
        it(`${stack}: in disconnected mode each file the config names is a key of the ConfigMap, mounted in the indexer's Clair container`, async () => {
            const own = clairBlock(stack).disconnected;
            const run = own?.enabled
                ? await runProgram(stack)
                : await runProgram(stack, { sets: { ...OFFLINE, "clair.disconnected.rhelMappings.configMap": "clair-rhel-mappings" } });
            const configMap = own?.enabled ? own.rhelMappings.configMap : "clair-rhel-mappings";
            assert.ok(configMap, `${stack}: the stack file names the ConfigMap`);
            assertWired(
                run,
                {
                    configMap,
                    repo2cpe: own?.rhelMappings?.repo2cpeKey ?? DEFAULT_KEYS.repo2cpe,
                    name2repos: own?.rhelMappings?.name2reposKey ?? DEFAULT_KEYS.name2repos,
                },
                stack,
            );
        });
    }

    it("with the bundle on a claim and keys of the operator's choosing (gzip'd files: claircore detects the compression)", async () => {
        const run = await runProgram("prod", {
            sets: {
                "clair.disconnected.enabled": "true",
                "clair.disconnected.bundleClaim": "clair-bundles",
                "clair.disconnected.rhelMappings.configMap": "rhel-mappings-2026-12",
                "clair.disconnected.rhelMappings.repo2cpeKey": "repository-to-cpe.json.gz",
                "clair.disconnected.rhelMappings.name2reposKey": "container-name-repos-map.json.gz",
            },
        });
        assertWired(
            run,
            { configMap: "rhel-mappings-2026-12", repo2cpe: "repository-to-cpe.json.gz", name2repos: "container-name-repos-map.json.gz" },
            "prod, from a claim",
        );
    });

    it("the volume lists both keys, so a ConfigMap without one keeps the pod from starting instead of dropping the scanner", async () => {
        const run = await runProgram("local");
        const pod = object(run, K8S.statefulSet, "clair-indexer").spec.template.spec;
        const volumes = pod.volumes.filter((v: any) => v.configMap?.name === clairBlock("local").disconnected.rhelMappings.configMap);
        assert.equal(volumes.length, 1);
        assert.deepEqual(volumes[0].configMap.items.map((i: any) => i.key).sort(), [DEFAULT_KEYS.name2repos, DEFAULT_KEYS.repo2cpe]);
        assert.notEqual(volumes[0].configMap.optional, true);
    });

    it("connected: no scanner config (the scanners fetch from Red Hat) and no such volume", async () => {
        const run = await runProgram("prod");
        assert.equal(clairConfigOf(run).indexer.scanner, undefined);
        const pod = object(run, K8S.statefulSet, "clair-indexer").spec.template.spec;
        assert.deepEqual(
            pod.volumes.filter((v: any) => v.configMap && v.name !== "database-ca" && v.name !== "certs"),
            [],
        );
    });

    it("configOverrides may still tune the scanners (disable_api) without moving the files", async () => {
        const override = { indexer: { scanner: { repo: { [REPO_SCANNER.name]: { disable_api: true } } } } };
        const run = await runProgram("local", { sets: { "clair.configOverrides": JSON.stringify(override) } });
        const { repo } = scannerBlocks(clairConfigOf(run));
        assert.equal(repo.disable_api, true);
        assertWired(run, { configMap: clairBlock("local").disconnected.rhelMappings.configMap, ...DEFAULT_KEYS }, "local with disable_api");
    });
});

describe("Disconnected Clair: the rhelMappings keys are checked", () => {
    async function problems(stack: string, sets: Record<string, string>): Promise<string> {
        try {
            await runProgram(stack, { sets });
        } catch (err) {
            assert.equal((err as { resourcesRegistered?: number }).resourcesRegistered, 0, "nothing registered");
            return (err as Error).message;
        }
        return assert.fail(`accepted ${JSON.stringify(sets)}`);
    }

    it("disconnected without the ConfigMap: required, with why", async () => {
        assert.match(
            await problems("prod", OFFLINE),
            /scanning-platform:clair\.disconnected\.rhelMappings\.configMap = \(unset\): is required when clair\.disconnected\.enabled is true: the name of a ConfigMap in the namespace holding Red Hat's repository-to-cpe\.json and container-name-repos-map\.json/,
        );
    });

    it("connected: the keys do nothing and are refused", async () => {
        const message = await problems("prod", {
            "clair.disconnected.rhelMappings.configMap": "clair-rhel-mappings",
            "clair.disconnected.rhelMappings.repo2cpeKey": "r2c.json",
        });
        assert.match(message, /clair\.disconnected\.rhelMappings\.configMap = "clair-rhel-mappings": is used only in disconnected mode/);
        assert.match(message, /clair\.disconnected\.rhelMappings\.repo2cpeKey = "r2c\.json": is used only in disconnected mode/);
    });

    it("a ConfigMap name or key Kubernetes refuses; one key for both files", async () => {
        const message = await problems("local", {
            "clair.disconnected.rhelMappings.configMap": "Clair_Mappings",
            "clair.disconnected.rhelMappings.repo2cpeKey": "maps/repo.json",
        });
        assert.match(message, /clair\.disconnected\.rhelMappings\.configMap = "Clair_Mappings": /);
        assert.match(message, /clair\.disconnected\.rhelMappings\.repo2cpeKey = "maps\/repo\.json": may hold only letters, digits, '-', '_' and '\.'/);
        assert.match(
            await problems("local", { "clair.disconnected.rhelMappings.name2reposKey": DEFAULT_KEYS.repo2cpe }),
            /clair\.disconnected\.rhelMappings\.name2reposKey = "repository-to-cpe\.json": is the same key as clair\.disconnected\.rhelMappings\.repo2cpeKey/,
        );
    });

    it("configOverrides cannot move the files or make the scanners fetch in disconnected mode", async () => {
        const override = {
            indexer: {
                scanner: {
                    repo: {
                        [REPO_SCANNER.name]: { [REPO_SCANNER.file]: "/elsewhere.json", [REPO_SCANNER.url]: "http://mirror.internal/repository-to-cpe.json" },
                    },
                    package: { [CONTAINER_SCANNER.name]: { [CONTAINER_SCANNER.url]: "http://mirror.internal/container-name-repos-map.json" } },
                },
            },
        };
        const message = await problems("local", { "clair.configOverrides": JSON.stringify(override) });
        assert.match(
            message,
            /clair\.configOverrides\.indexer\.scanner\.repo\.rhel-repository-scanner\.repo2cpe_mapping_file = "\/elsewhere\.json": is a key this program owns in disconnected mode/,
        );
        assert.match(
            message,
            /clair\.configOverrides\.indexer\.scanner\.repo\.rhel-repository-scanner\.repo2cpe_mapping_url = "http:\/\/mirror\.internal\/repository-to-cpe\.json": would make the scanner fetch its mapping/,
        );
        assert.match(
            message,
            /clair\.configOverrides\.indexer\.scanner\.package\.rhel_containerscanner\.name2repos_mapping_url = .*: would make the scanner fetch its mapping/,
        );
        // Connected, the same URLs are the user's to set (a mirror the scanners fetch from).
        await runProgram("prod", {
            sets: { "clair.configOverrides": JSON.stringify({ indexer: { scanner: { package: override.indexer.scanner.package } } }) },
        });
    });
});
