/**
 * Clair's upgrade and disconnected mode: the clairctl admin Job's shell script, run by /bin/sh against a stand-in
 * clairctl. (The Jobs as the program registers them: test/clair-offline.test.ts.)
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adminScript } from "../../components/clair/clairctl";

describe("the admin Job's shell: a first install (no Clair tables yet) is nothing to do, any other failure fails", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "clairctl-fake-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Runs the Job's script with a stand-in clairctl that prints `output` and exits with `status`. */
    function runWith(output: string, status: number): { status: number | null; stdout: string } {
        const fake = path.join(dir, `clairctl-${status}-${output.length}`);
        fs.writeFileSync(fake, `#!/bin/sh\necho "args: $*"\nprintf '%s\\n' '${output}' >&2\nexit ${status}\n`, { mode: 0o755 });
        const result = spawnSync("/bin/sh", ["-c", adminScript("pre", "4.8.0", fake)], { encoding: "utf8" });
        return { status: result.status, stdout: result.stdout };
    }

    it("passes clairctl `admin pre v4.8.0` and succeeds when it does", () => {
        const r = runWith("pre v4.8.0 admin done", 0);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /args: admin pre v4\.8\.0/);
    });

    it("exits 0 on PostgreSQL's undefined_table (SQLSTATE 42P01), as pgx words it", () => {
        const r = runWith('ERR error="error setting matcher migration: ERROR: relation \\"libvuln_migrations\\" does not exist (SQLSTATE 42P01)"', 1);
        assert.equal(r.status, 0);
        assert.match(r.stdout, /no Clair tables yet \(first install\)/);
    });

    it("fails on any other error (a database it cannot reach)", () => {
        const r = runWith('ERR error="error connecting to database: failed to connect to host=clair-matcher-db"', 1);
        assert.equal(r.status, 1);
        assert.match(r.stdout, /error connecting to database/);
    });
});
