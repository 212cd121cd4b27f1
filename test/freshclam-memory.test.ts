/**
 * freshclam under tight memory: with TestDatabases (freshclam's default, "yes"), freshclam loads
 * each database it downloaded into a fresh engine before it keeps it, and the signature set takes
 * about 1.1 to 1.5 GB resident: more than a 1Gi container holds. Every container the program runs
 * freshclam in is found here from the rendered objects (its command, the --config-file it reads,
 * the ConfigMap mounted there), and its freshclam.conf must say TestDatabases no when its memory
 * limit is 1Gi or less. The program lets freshclam test from 2Gi up (its choice, stated in
 * lib/clamav-conf.ts and docs/operations.md), so 1536Mi must not test and 2Gi and 4Gi do.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { runProgram, type MockRun } from "../tools/mock-run";
import { K8S, object, podSpecs, stackRun } from "./helpers";

const GiB = 1024 ** 3;
/** A memory quantity in bytes: the binary and decimal units these stacks use, written out here. */
function bytes(quantity: string): number {
    const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
    assert.ok(m, `not a memory quantity this test reads: ${quantity}`);
    const unit: Record<string, number> = { "": 1, Ki: 1024, Mi: 1024 ** 2, Gi: GiB, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
    return Number(m[1]) * unit[m[2] ?? ""];
}

interface Freshclam {
    where: string;
    memoryLimit: string;
    /** TestDatabases as freshclam reads the file: absent means its default, yes. */
    testDatabases: string;
}

/** Every container that runs freshclam, in every workload, with the freshclam.conf it reads. */
function freshclams(run: MockRun): Freshclam[] {
    return podSpecs(run).flatMap(({ owner, spec }) =>
        [...(spec.initContainers ?? []), ...(spec.containers ?? [])]
            .filter((c: any) => [...(c.command ?? []), ...(c.args ?? [])].some((a: string) => /(^|[\s/;])freshclam(\s|$)/.test(a)))
            .map((c: any) => {
                const words = [...(c.command ?? []), ...(c.args ?? [])].join(" ");
                const file = /--config-file=(\S+)/.exec(words)?.[1];
                assert.ok(file, `${owner} ${c.name} runs freshclam without --config-file: it would read the image's own freshclam.conf`);
                const mount = (c.volumeMounts ?? []).find((m: any) => m.mountPath === path.dirname(file));
                assert.ok(mount, `${owner} ${c.name}: nothing is mounted at ${path.dirname(file)}`);
                const configMap = spec.volumes.find((v: any) => v.name === mount.name)?.configMap?.name;
                assert.ok(configMap, `${owner} ${c.name}: ${mount.name} is not a ConfigMap volume`);
                const text: string = object(run, K8S.configMap, configMap).data[path.basename(file)];
                assert.ok(text !== undefined, `${configMap} has no ${path.basename(file)}`);
                const values = text
                    .split("\n")
                    .filter((l) => l.startsWith("TestDatabases "))
                    .map((l) => l.slice("TestDatabases ".length));
                assert.ok(values.length <= 1, `${configMap}: TestDatabases ${values.length} times`);
                return { where: `${owner} ${c.name}`, memoryLimit: c.resources.limits.memory, testDatabases: values[0] ?? "yes (freshclam's default)" };
            }),
    );
}

const memory = (key: string, value: string) => ({ [`${key}.requests.memory`]: value, [`${key}.limits.memory`]: value });

describe("freshclam under tight memory (TestDatabases)", () => {
    const NO_MIRROR = { "clamav.mirror.enabled": "false" };

    for (const [what, run, expected] of [
        [
            "prod, in-cluster mirror: clamd's init container and the mirror's daemon",
            () => stackRun("prod"),
            ["Deployment/clamav initfreshclam", "StatefulSet/clamav-mirror freshclam"],
        ],
        [
            "without the mirror: the ClamAV Helm chart README's two init containers",
            () => runProgram("prod", { sets: NO_MIRROR }),
            ["Deployment/clamav initfreshclam", "Deployment/clamav init2freshclam"],
        ],
        ["the local stack", () => stackRun("local"), ["Deployment/clamav initfreshclam", "StatefulSet/clamav-mirror freshclam"]],
    ] as const) {
        it(`no freshclam with 1Gi or less tests databases (${what})`, async () => {
            const found = freshclams(await run());
            assert.deepEqual(found.map((f) => f.where).sort(), [...expected].sort(), "the freshclam containers");
            for (const f of found) {
                if (bytes(f.memoryLimit) <= GiB) assert.equal(f.testDatabases, "no", `${f.where} has ${f.memoryLimit}`);
            }
            // The defaults give each of them 1Gi: the rule is not vacuous here.
            assert.ok(
                found.every((f) => bytes(f.memoryLimit) <= GiB),
                JSON.stringify(found),
            );
        });
    }

    it("decides per container from its own memory limit: 1536Mi does not test, 2Gi does", async () => {
        const run = await runProgram("prod", { sets: { ...memory("clamav.updaterResources", "1536Mi"), ...memory("clamav.mirror.updaterResources", "2Gi") } });
        const found = Object.fromEntries(freshclams(run).map((f) => [f.where, f]));
        assert.deepEqual(found["Deployment/clamav initfreshclam"], { where: "Deployment/clamav initfreshclam", memoryLimit: "1536Mi", testDatabases: "no" });
        assert.deepEqual(found["StatefulSet/clamav-mirror freshclam"], {
            where: "StatefulSet/clamav-mirror freshclam",
            memoryLimit: "2Gi",
            testDatabases: "yes",
        });
    });

    it("lets clamd's init containers test with the memory for it (4Gi), without the mirror too", async () => {
        const run = await runProgram("prod", { sets: { ...NO_MIRROR, ...memory("clamav.updaterResources", "4Gi") } });
        const found = freshclams(run);
        assert.equal(found.length, 2);
        for (const f of found) assert.deepEqual([f.memoryLimit, f.testDatabases], ["4Gi", "yes"], f.where);
    });
});
