/**
 * tools/fast-load.js against ts-node: the tools started through the loader (a whole node process
 * each: the SDK loaded with its namespaces deferred, the program evaluated) answer exactly as this
 * process does under ts-node (.mocharc.real.json). Slow by nature, so in this lane: the fast lane
 * itself loads through fast-load (its 500 tests run the program that way) and keeps the loader's
 * cache and deferral tests (test/fast-load.test.ts).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { capacityReport } from "../../tools/capacity";
import { renderStack } from "../../tools/render";
import { node } from "../fast-load-node";

describe("fast-load: the tools answer as under ts-node", function () {
    this.timeout(120000);
    let tmp: string;
    before(function () {
        // The reference is this process: it must be ts-node's, not the loader's.
        assert.ok(
            (process as unknown as Record<symbol, unknown>)[Symbol.for("ts-node.register.instance")],
            "this lane loads TypeScript through ts-node (.mocharc.real.json)",
        );
    });
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fast-load-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("gives the capacity command's answer unchanged: the same JSON as under ts-node (this process's capacityReport)", async () => {
        const args = ["tools/capacity.ts", "--stack", "prod", "--set", "clair.indexer.replicas=80", "--compare", "stage", "--json", "-"];
        const fast = node(args, {});
        assert.equal(fast.status, 0, fast.stderr);
        // Deferred and never used by a mock run: the compiler, Arborist, the automation API, all AWS
        // namespaces but the five the program creates resources from, Kubernetes' helm and yaml.
        const loaded = fast.stats!.lazyLoaded;
        for (const m of ["typescript", "@npmcli/arborist", "./automation", "./lambda", "./ecs", "./helm", "./yaml", "./kustomize"])
            assert.ok(!loaded.includes(m), `${m} was loaded`);
        for (const m of ["./rds", "./ec2", "./vpc", "./s3", "./iam", "./apps", "./core", "./batch"]) assert.ok(loaded.includes(m), `${m} was not loaded`);
        assert.ok(fast.stats!.lazyDeferred.length > 250, "the AWS namespaces are deferred");
        // The reference is ts-node itself (this process, the mock runs the lane shares), not a second
        // child with the loader switched off: that costs a whole uncached start.
        const report = JSON.parse(fast.stdout);
        assert.deepEqual(JSON.parse(JSON.stringify(await capacityReport("prod", { "clair.indexer.replicas": "80" }, "stage"))), report);
        // And it is the real answer: prod's required Clair with 80 indexers, 200 CPU (80x2 + 10x2 + 10x2).
        assert.equal(report.clair.cpu, 200);
    });

    it("renders prod (AWS and Kubernetes namespaces deferred) byte for byte as under ts-node (this process's renderStack; seeded mock secrets)", async () => {
        for (const stack of ["prod"]) {
            const dirs = ["loader", "ts-node"].map((side) => path.join(tmp, `${stack}-${side}`));
            const seed = "fast-load-test";
            const r = node(["tools/render.ts", "--stack", stack, "--out", dirs[0]], { SSCAN_MOCK_RANDOM_SEED: seed });
            assert.equal(r.status, 0, r.stderr);
            const before = process.env.SSCAN_MOCK_RANDOM_SEED;
            process.env.SSCAN_MOCK_RANDOM_SEED = seed;
            try {
                await renderStack(stack, dirs[1]);
            } finally {
                if (before === undefined) delete process.env.SSCAN_MOCK_RANDOM_SEED;
                else process.env.SSCAN_MOCK_RANDOM_SEED = before;
            }
            const files = fs.readdirSync(dirs[0]).sort();
            assert.deepEqual(fs.readdirSync(dirs[1]).sort(), files);
            assert.ok(files.length >= 30, `${stack}: ${files.length} files`);
            for (const f of files)
                assert.equal(fs.readFileSync(path.join(dirs[0], f), "utf8"), fs.readFileSync(path.join(dirs[1], f), "utf8"), `${stack}: ${f}`);
        }
    });
});
