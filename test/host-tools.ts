/** What the tests against real software need from this machine: commands on PATH and free ports. */
import { spawnSync } from "child_process";
import * as net from "net";
import * as path from "path";

/** Whether `command` is on PATH. */
export const has = (command: string): boolean => spawnSync("bash", ["-c", `command -v ${command}`]).status === 0;

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Exit status of a script that cannot provide a tool on this machine (scripts/upstream-src.sh). */
export const UNAVAILABLE_STATUS = 3;

/** Where the scripts look for the pinned upstream source archives (scripts/upstream-src.sh). */
export const upstreamSrc = (): string => process.env.SSCAN_UPSTREAM_SRC || path.resolve(__dirname, "..", "..", "shared", "upstream-src");

/**
 * What the test needs is not on this machine: outside CI the test is skipped, saying `reason`
 * (which names what to install); in CI, which must provide it, the test fails with it.
 */
export function skipOutsideCi(ctx: Mocha.Context, reason: string): never {
    if (process.env.CI) throw new Error(`${reason} (CI must provide it)`);
    console.log(`      skipped: ${reason}`);
    ctx.skip();
}
