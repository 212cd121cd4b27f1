/** What the tests against real software need from this machine: commands on PATH and free ports. */
import { spawnSync } from "child_process";
import * as net from "net";

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
