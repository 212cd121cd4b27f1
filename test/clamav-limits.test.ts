/**
 * clamd's scan limits (config clamav.limits): each key reaches clamd.conf under ClamAV's own name,
 * the defaults are ClamAV 1.4's documented ones, and values clamd would misread or that defeat
 * each other are refused in plain words. Expected values come from clamd.conf(5) and the sample
 * clamd.conf of ClamAV 1.4 (Debian's clamav-daemon 1.4.6), written here, not read from the code.
 */
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../config/load";
import { PROJECT } from "../config/platform";
import { runProgram, stackConfig } from "../tools/mock-run";
import { K8S, object, stackRun } from "./helpers";
import { ZOD_WORDING } from "./plain-words";

/** clamd.conf's lines as key -> values. */
function confLines(text: string): Map<string, string[]> {
    const lines = new Map<string, string[]>();
    for (const line of text.split("\n").filter(Boolean)) {
        const [key, ...rest] = line.split(" ");
        lines.set(key, [...(lines.get(key) ?? []), rest.join(" ")]);
    }
    return lines;
}

const clamdConfOf = async (run: Promise<Awaited<ReturnType<typeof runProgram>>>) =>
    confLines(object(await run, K8S.configMap, "clamav-config").data["clamd.conf"]);

/** Parses prod's committed config with clamav.limits set to `limits`; returns the error text. */
function limitsProblem(limits: Record<string, unknown>): string {
    const raw = { ...stackConfig("prod") };
    const clamav = raw[`${PROJECT}:clamav`] ? JSON.parse(raw[`${PROJECT}:clamav`]) : {};
    raw[`${PROJECT}:clamav`] = JSON.stringify({ ...clamav, limits });
    try {
        parseConfig(raw, [], () => "Pulumi.prod.yaml");
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.doesNotMatch(err.message, ZOD_WORDING);
        return err.message;
    }
    assert.fail(`expected a config error for ${JSON.stringify(limits)}`);
}

describe("clamd's scan limits (clamav.limits)", () => {
    // clamd.conf(5) for ClamAV 1.4: each key, its clamd.conf name and its documented default.
    const documented: [string, string, string][] = [
        ["streamMaxLength", "StreamMaxLength", "100M"],
        ["maxScanSize", "MaxScanSize", "400M"],
        ["maxFileSize", "MaxFileSize", "100M"],
        ["maxRecursion", "MaxRecursion", "17"],
        ["maxFiles", "MaxFiles", "10000"],
        ["maxThreads", "MaxThreads", "10"],
        ["readTimeout", "ReadTimeout", "120"],
        ["commandReadTimeout", "CommandReadTimeout", "30"],
    ];
    // Values unlike every default, consistent with each other: 64M <= 256M <= 1024M, and
    // 12 threads x 20 levels + 100 - 12 + 6 = 334 open files.
    const configured: Record<string, string> = {
        streamMaxLength: "256M",
        maxScanSize: "1024M",
        maxFileSize: "512M",
        maxRecursion: "20",
        maxFiles: "25000",
        maxThreads: "12",
        readTimeout: "300",
        commandReadTimeout: "10",
    };
    const sets = Object.fromEntries(Object.entries(configured).map(([k, v]) => [`clamav.limits.${k}`, v]));

    for (const [key, option, value] of documented) {
        it(`writes ${option} ${value} into clamd.conf by default (ClamAV 1.4's documented default), once`, async () => {
            assert.deepEqual((await clamdConfOf(stackRun("prod"))).get(option), [value]);
        });
        it(`writes clamav.limits.${key} into clamd.conf as ${option}`, async () => {
            assert.deepEqual((await clamdConfOf(runProgram("prod", { sets }))).get(option), [configured[key]]);
        });
    }

    it("rolls clamd's pods when a limit changes (the config checksum on the pod template moves)", async () => {
        const checksum = async (run: ReturnType<typeof runProgram>) =>
            object(await run, K8S.deployment, "clamav").spec.template.metadata.annotations["checksum/clamav-config"];
        assert.notEqual(await checksum(runProgram("prod", { sets })), await checksum(stackRun("prod")));
    });

    it("takes sizes as bytes or with K or M in either case (clamd.conf(5)), and plain numbers of bytes", () => {
        const cfg = parseConfig({
            ...stackConfig("prod"),
            [`${PROJECT}:clamav`]: JSON.stringify({ limits: { streamMaxLength: "65536k", maxFileSize: 104857600, maxScanSize: "400m" } }),
        });
        assert.deepEqual([cfg.clamav.limits.streamMaxLength, cfg.clamav.limits.maxFileSize, cfg.clamav.limits.maxScanSize], ["65536k", "104857600", "400m"]);
    });

    const refused: [string, Record<string, unknown>, RegExp][] = [
        [
            "a Kubernetes unit",
            { streamMaxLength: "100Mi" },
            /Pulumi\.prod\.yaml: scanning-platform:clamav\.limits\.streamMaxLength = "100Mi": uses a Kubernetes or SI unit, which clamd\.conf does not read \(K and M only, 1024-based\); must be a size as clamd\.conf takes it: .* from 1 to 2047M/,
        ],
        [
            "G, which clamd.conf's documentation does not list",
            { maxScanSize: "2G" },
            /clamav\.limits\.maxScanSize = "2G": uses G, which clamd\.conf's documentation does not list \(K and M only\); write it in M: 2048M;/,
        ],
        ["a fraction", { maxFileSize: "1.5M" }, /clamav\.limits\.maxFileSize = "1\.5M": is not a clamd\.conf size; must be a size as clamd\.conf takes it/],
        [
            "a size of 0 (no limit)",
            { maxScanSize: "0" },
            /clamav\.limits\.maxScanSize = "0": is 0, which turns the limit off \(ClamAV warns .*severe damage.*\); must be .* from 1 to 4095M/,
        ],
        [
            "a MaxFileSize of 2 GiB (libclamav scans no file that large)",
            { maxFileSize: "2048M", maxScanSize: "4000M" },
            /clamav\.limits\.maxFileSize = "2048M": is above 2047M/,
        ],
        ["a MaxScanSize of 4G", { maxScanSize: "4096M" }, /clamav\.limits\.maxScanSize = "4096M": is above 4095M/],
        [
            "a StreamMaxLength above MaxFileSize",
            { streamMaxLength: "200M" },
            /clamav\.limits\.streamMaxLength = "200M": is larger than clamav\.limits\.maxFileSize "100M": clamd would accept a stream that large and answer OK without scanning it; must be at most maxFileSize/,
        ],
        [
            "a MaxFileSize above MaxScanSize",
            { maxFileSize: "500M", maxScanSize: "400M" },
            /clamav\.limits\.maxFileSize = "500M": is larger than clamav\.limits\.maxScanSize "400M": .*must be at most maxScanSize/,
        ],
        [
            "a MaxRecursion of 0 (libclamav puts 17 back)",
            { maxRecursion: 0 },
            /clamav\.limits\.maxRecursion = 0: is 0, which libclamav replaces with 17; must be 1 to 2147483647 levels/,
        ],
        ["a MaxFiles of 0 (no limit)", { maxFiles: 0 }, /clamav\.limits\.maxFiles = 0: is 0, which turns the limit off .*; must be 1 to 2147483647 files/],
        ["more threads than half of clamd's queue", { maxThreads: 51 }, /clamav\.limits\.maxThreads = 51: must be 1 to 50 threads/],
        ["a fractional thread count", { maxThreads: 2.5 }, /clamav\.limits\.maxThreads = 2\.5: must be a whole number of threads/],
        ["a timeout with a unit", { readTimeout: "120s" }, /clamav\.limits\.readTimeout = "120s": must be a whole number of seconds/],
        ["a command timeout of 0", { commandReadTimeout: 0 }, /clamav\.limits\.commandReadTimeout = 0: must be 1 to 2147483647 seconds/],
        // 40 x 23 + 100 - 40 + 6 = 986 fits; 40 x 24 + 66 = 1026 does not.
        [
            "threads x recursion past the open-file limit",
            { maxThreads: 40, maxRecursion: 24 },
            /clamav\.limits\.maxRecursion = 24: with maxThreads 40 needs 1026 open files \(clamd\.conf: MaxThreads × MaxRecursion \+ MaxQueue 100 − MaxThreads \+ 6\), not below 1024, the usual open-file limit; must make that sum at most 1023/,
        ],
    ];
    for (const [what, limits, expected] of refused) {
        it(`refuses ${what}, naming file, key, value and what is allowed`, () => {
            assert.match(limitsProblem(limits), expected);
        });
    }

    it("accepts each rule's edge: StreamMaxLength = MaxFileSize = MaxScanSize = 2047M, and 40 threads x 23 levels (986 open files)", () => {
        const cfg = parseConfig({
            ...stackConfig("prod"),
            [`${PROJECT}:clamav`]: JSON.stringify({
                limits: { streamMaxLength: "2047M", maxFileSize: "2047M", maxScanSize: "2047M", maxThreads: 40, maxRecursion: 23 },
            }),
        });
        assert.equal(cfg.clamav.limits.maxRecursion, 23);
        // The same size in other units compares by bytes, not by text.
        parseConfig({ ...stackConfig("prod"), [`${PROJECT}:clamav`]: JSON.stringify({ limits: { streamMaxLength: "102400K", maxFileSize: "100M" } }) });
    });
});
