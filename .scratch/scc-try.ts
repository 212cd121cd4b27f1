import * as fs from "fs"; import * as path from "path"; import { parseAllDocuments } from "yaml";
import { sccRequest, runSccCheck, namespaceOf } from "../tools/openshift-scc";
(async () => {
  const dir = process.argv[2];
  const objects = fs.readdirSync(dir).flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), "utf8")).map((d) => d.toJS()));
  const v = await runSccCheck("/tmp/sccbuild/openshift-scc", sccRequest(objects, "/work/shared/upstream-src/openshift/scc-manifests", namespaceOf(objects)));
  for (const p of v) console.log(p.name, p.usableSCCs.join(","), "->", p.admittedBy || "REFUSED", p.admittedBy ? JSON.stringify(p.podSecurityContext) : JSON.stringify(p.refusals).slice(0, 400));
})();
