/**
 * npm run render -- --stack <name> --out DIR
 *
 * Writes every Kubernetes object the program creates (from the mock run), one YAML file per
 * object, as it would be sent to the API server: secrets included in plaintext from the mock
 * (generated values are random per run; render output is for checkers, never to commit).
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { stringify } from "yaml";
import { runProgram, unwrapSecrets } from "./mock-run";

export async function renderStack(stack: string, outDir: string): Promise<string[]> {
    const run = await runProgram(stack);
    fs.mkdirSync(outDir, { recursive: true });
    const written: string[] = [];
    for (const r of run.resources) {
        if (!r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:pulumi")) continue;
        const object = unwrapSecrets(r.inputs);
        if (!object.apiVersion || !object.kind) continue;
        const file = path.join(outDir, `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`);
        if (written.includes(file)) throw new Error(`two objects render to ${file}`);
        fs.writeFileSync(file, stringify(object));
        written.push(file);
    }
    return written;
}

if (require.main === module) {
    const { values } = parseArgs({ options: { stack: { type: "string" }, out: { type: "string" } }, strict: true });
    if (!values.stack || !values.out) {
        console.error("usage: npm run render -- --stack <stage|prod|local> --out DIR");
        process.exit(2);
    }
    renderStack(values.stack, values.out)
        .then((files) => console.log(`rendered ${files.length} objects of stack ${values.stack} into ${values.out}`))
        .catch((err: Error) => {
            console.error(err.message);
            process.exit(1);
        });
}
