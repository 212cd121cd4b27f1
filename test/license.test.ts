/**
 * LICENSE and CHANGELOG.md: the license file is Apache-2.0 word for word and package.json says
 * the same; the changelog's newest entry is package.json's version, and the config keys it names
 * are keys of the config reference.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { REFUSED_KEYS } from "../config/refused-keys";

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("LICENSE and CHANGELOG", () => {
    it("LICENSE is the Apache License 2.0's full text, as apache.org publishes LICENSE-2.0.txt", () => {
        // sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt (also Debian's common-licenses/Apache-2.0).
        assert.equal(
            createHash("sha256")
                .update(fs.readFileSync(path.join(ROOT, "LICENSE")))
                .digest("hex"),
            "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30",
        );
    });

    it("package.json and its lock file name the same license, by its SPDX identifier", () => {
        assert.equal(JSON.parse(read("package.json")).license, "Apache-2.0");
        assert.equal(JSON.parse(read("package-lock.json")).packages[""].license, "Apache-2.0");
    });

    it("the changelog's newest entry is package.json's version", () => {
        const first = /^## (\S+)/m.exec(read("CHANGELOG.md"));
        assert.ok(first, "a version heading");
        assert.equal(first[1], JSON.parse(read("package.json")).version);
    });

    it("every config key the changelog names is in docs/configuration.md", () => {
        const readme = read("docs/configuration.md");
        const reference = readme;
        const keys = new Set([...reference.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]));
        assert.ok(keys.size > 50, `${keys.size} keys in the reference`);
        const named = [...read("CHANGELOG.md").matchAll(/`((?:clair|clamav|malwar|kubernetes|proxy|trustedCA|monitoring)\.[A-Za-z.*]+)`/g)].map((m) => m[1]);
        assert.ok(named.length > 20, `${named.length} keys named`);
        // "a.b.*" names the keys under a.b; a refused key (config/refused-keys.ts) is named to say it is refused.
        const known = (key: string) =>
            key in REFUSED_KEYS ||
            (key.endsWith(".*") ? [...keys].some((k) => k.startsWith(key.slice(0, -1))) : keys.has(key) || [...keys].some((k) => k.startsWith(`${key}.`)));
        assert.deepEqual(
            named.filter((k) => !known(k)),
            [],
        );
    });
});
