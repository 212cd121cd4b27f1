"use strict";
/**
 * scripts/ci's filter of the engine's event stream (stdin to stdout, one JSON event per line):
 * drops the debug diagnostics. @pulumi/pulumi logs every RegisterResource response at debug
 * level with secret values in plaintext (a RandomPassword's result among them), and the engine
 * puts debug events into `--json`'s stream whether or not --debug is given; the events file is
 * kept as a CI artifact. The summaries read nothing at debug level. Lines that are not JSON
 * pass through unchanged.
 */
const readline = require("readline");

const isDebug = (line) => {
    try {
        return JSON.parse(line)?.diagnosticEvent?.severity === "debug";
    } catch {
        return false;
    }
};

readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on("line", (line) => {
    if (!isDebug(line)) process.stdout.write(line + "\n");
});
