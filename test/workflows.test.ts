/**
 * The users' pipeline in .github/workflows/ (preview.yml, deploy.yml, drift.yml) against what it
 * must do: the previews and deploys of stage and prod go through scripts/ci/preview and
 * scripts/ci/deploy (which add the policy pack), AWS by OIDC role assumption only, every action
 * pinned to a commit, one stack's deploys and drift checks never overlap, prod is deployed from
 * its saved plan in the `production` environment after stage, the preview comment is edited
 * rather than added, drift runs on a schedule. The expected values are written here from those
 * requirements. The YAML is read as data (the `yaml` package); that GitHub and actionlint accept
 * it is test/real/workflows.test.ts.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import * as semver from "semver";

const ROOT = path.resolve(__dirname, "..");
const DIR = path.join(ROOT, ".github/workflows");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

const STACKS = ["stage", "prod"] as const;
/** The secret that holds each stack's kubeconfig: a prod job must never get stage's cluster. */
const KUBECONFIG_SECRET: Record<string, string> = { stage: "KUBECONFIG_STAGE", prod: "KUBECONFIG_PROD" };
/** The GitHub environment each stack's deploy runs in (production carries the required reviewers). */
const DEPLOY_ENVIRONMENT: Record<string, string> = { stage: "stage", prod: "production" };
const AWS_CREDENTIALS = "aws-actions/configure-aws-credentials";
/** The region of the stacks' KMS secrets provider and resources (Pulumi.<stack>.yaml aws:region). */
const AWS_REGION = "us-east-1";
/** package.json's engines.node allows 20.12 and later in the 20 line; the workflows use 20. */
const NODE_VERSION = "20";

type Env = Record<string, string>;
interface Step {
    name?: string;
    id?: string;
    if?: string;
    uses?: string;
    with?: Record<string, unknown>;
    run?: string;
    env?: Env;
    "continue-on-error"?: boolean;
}
interface Job {
    name?: string;
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
    strategy?: { matrix?: Record<string, unknown> };
    env?: Env;
    steps: Step[];
}
interface Workflow {
    on: Record<string, any>;
    env?: Env;
    permissions?: Record<string, string> | string;
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
    jobs: Record<string, Job>;
}

/** One job as it runs: a matrix combination (or the job itself when it has no matrix). */
interface Instance {
    file: string;
    workflow: Workflow;
    id: string;
    job: Job;
    matrix: Record<string, string>;
}

/** A call of scripts/ci/<command> in a run: block, its arguments resolved through env and matrix. */
interface Call {
    instance: Instance;
    step: Step;
    stepIndex: number;
    command: string;
    args: string[];
    stack: string;
}

function readWorkflows(): Map<string, { text: string; workflow: Workflow }> {
    const found = new Map<string, { text: string; workflow: Workflow }>();
    for (const file of fs
        .readdirSync(DIR)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()) {
        const text = fs.readFileSync(path.join(DIR, file), "utf8");
        found.set(file, { text, workflow: parse(text) as Workflow });
    }
    return found;
}

/** The matrix combinations: the cartesian product of the plain axes, then each `include` entry. */
function combinations(matrix: Record<string, unknown> | undefined): Record<string, string>[] {
    if (!matrix) return [{}];
    assert.ok(!("exclude" in matrix), "matrix.exclude is not expanded by this test");
    let combos: Record<string, string>[] = [{}];
    for (const [axis, values] of Object.entries(matrix)) {
        if (axis === "include") continue;
        assert.ok(Array.isArray(values), `matrix axis ${axis} is a list`);
        combos = combos.flatMap((c) => (values as unknown[]).map((v) => ({ ...c, [axis]: String(v) })));
    }
    const include = (matrix.include ?? []) as Record<string, unknown>[];
    if (include.length === 0) return combos;
    const plain = combos.length === 1 && Object.keys(combos[0]).length === 0;
    assert.ok(plain, "matrix.include only as the whole matrix");
    return include.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)])));
}

/** `s` with this combination's matrix values in place of `${{ matrix.x }}` and `secrets[matrix.x]`. */
function expand(s: string, matrix: Record<string, string>): string {
    return s
        .replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => {
            assert.ok(k in matrix, `matrix.${k} is defined`);
            return matrix[k];
        })
        .replace(/secrets\[matrix\.(\w+)\]/g, (_, k: string) => `secrets.${matrix[k]}`);
}

function instances(workflows = readWorkflows()): Instance[] {
    const all: Instance[] = [];
    for (const [file, { workflow }] of workflows) {
        for (const [id, job] of Object.entries(workflow.jobs)) {
            for (const matrix of combinations(job.strategy?.matrix)) all.push({ file, workflow, id, job, matrix });
        }
    }
    return all;
}

/** The value of the environment variable `name` a step sees: step env, job env, workflow env. */
function envValue(inst: Instance, step: Step, name: string): string | undefined {
    const v = step.env?.[name] ?? inst.job.env?.[name] ?? inst.workflow.env?.[name];
    return v === undefined ? undefined : expand(String(v), inst.matrix);
}

/** A shell word with `$NAME`, `${NAME}` and quotes resolved (variables the step does not define stay). */
function resolveWord(inst: Instance, step: Step, word: string): string {
    return word
        .replace(/^"(.*)"$/, "$1")
        .replace(/^'(.*)'$/, "$1")
        .replace(/\$\{?(\w+)\}?/g, (whole, name: string) => envValue(inst, step, name) ?? whole);
}

function calls(all = instances()): Call[] {
    const found: Call[] = [];
    for (const instance of all) {
        instance.job.steps.forEach((step, stepIndex) => {
            for (const line of (step.run ?? "").split("\n")) {
                const m = line.trim().match(/^scripts\/ci\/(preview|deploy|drift)\s+(.*)$/);
                if (!m) continue;
                const args = (m[2].match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => resolveWord(instance, step, w));
                found.push({ instance, step, stepIndex, command: m[1], args, stack: args[0] });
            }
        });
    }
    return found;
}

/** A flag's value in a call's arguments. */
const flag = (c: Call, name: string): string | undefined => {
    const i = c.args.indexOf(name);
    return i < 0 ? undefined : c.args[i + 1];
};
const label = (i: Instance) => `${i.file} ${i.id}${Object.keys(i.matrix).length ? ` ${JSON.stringify(i.matrix)}` : ""}`;
const usesOf = (step: Step) => (step.uses ?? "").split("@")[0];
const stepIndex = (inst: Instance, test: (s: Step) => boolean) => inst.job.steps.findIndex(test);
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const environmentOf = (job: Job) => (typeof job.environment === "object" ? job.environment.name : job.environment);
const concurrencyOf = (inst: Instance) => {
    const c = inst.job.concurrency;
    if (c === undefined) return undefined;
    return typeof c === "string" ? { group: expand(c, inst.matrix), cancel: false } : { group: expand(c.group, inst.matrix), cancel: c["cancel-in-progress"] };
};
/** The first call of `scripts/ci/<command> <stack>` in `file`, whose calls must all be in one job. */
function jobCalling(all: Call[], file: string, command: string, stack: string): Call {
    const found = all.filter((c) => c.instance.file === file && c.command === command && c.stack === stack);
    assert.ok(found.length > 0, `${file}: a call of scripts/ci/${command} ${stack}`);
    const jobs = new Set(found.map((c) => label(c.instance)));
    assert.equal(jobs.size, 1, `${file}: scripts/ci/${command} ${stack} in one job (${[...jobs].join(", ")})`);
    return found[0];
}

describe("GitHub Actions workflows (.github/workflows/)", () => {
    const workflows = readWorkflows();
    const all = instances(workflows);
    const scripted = calls(all);
    const wf = (file: string) => {
        const w = workflows.get(file);
        assert.ok(w, `.github/workflows/${file} exists`);
        return w.workflow;
    };

    describe("the policy pack comes through scripts/ci/preview and scripts/ci/deploy, for stage and prod", () => {
        it("runs exactly the calls the pipeline needs, stack by stack", () => {
            const seen = scripted.map((c) => `${c.instance.file}: ${c.command} ${c.stack}`).sort();
            assert.deepEqual(seen, [
                "deploy.yml: deploy prod", // the approved plan, with and without --recover
                "deploy.yml: deploy prod",
                "deploy.yml: deploy stage", // with and without --recover
                "deploy.yml: deploy stage",
                "deploy.yml: preview prod", // the plan (previous main as the base, or none)
                "deploy.yml: preview prod",
                "drift.yml: drift prod",
                "drift.yml: drift stage",
                "preview.yml: preview prod",
                "preview.yml: preview stage",
            ]);
        });

        it("previews every pull request against its base commit, with the whole history checked out", () => {
            assert.deepEqual(wf("preview.yml").on.pull_request?.branches, ["main"]);
            for (const stack of STACKS) {
                const c = jobCalling(scripted, "preview.yml", "preview", stack);
                assert.equal(flag(c, "--base"), "${{ github.event.pull_request.base.sha }}", `${label(c.instance)}: --base`);
                const checkout = c.instance.job.steps.find((s) => usesOf(s) === "actions/checkout");
                assert.equal(checkout?.with?.["fetch-depth"], 0, `${label(c.instance)}: fetch-depth 0`);
            }
        });

        it("deploys prod only with --plan, from the plan its preview saved in the same run", () => {
            const deploys = scripted.filter((c) => c.command === "deploy" && c.stack === "prod");
            const previews = scripted.filter((c) => c.instance.file === "deploy.yml" && c.command === "preview" && c.stack === "prod");
            const deployJob = deploys[0].instance.job;
            const previewJob = previews[0].instance;
            assert.ok(
                previews.every((c) => c.instance.id === previewJob.id),
                "one prod preview job",
            );
            const out = flag(previews[0], "--out");
            assert.ok(out && previews.every((c) => flag(c, "--out") === out), "the prod preview writes to one --out folder");
            const upload = previewJob.job.steps.find((s) => usesOf(s) === "actions/upload-artifact");
            assert.ok(upload, "the prod preview uploads the plan");
            const uploaded = String(upload.with?.path)
                .split("\n")
                .map((p) => resolveWord(previewJob, upload, p.trim().replace(/\$\{\{\s*env\.(\w+)\s*\}\}/g, "$$$1")));
            assert.ok(uploaded.includes(`${out}/plan.json`), `the upload holds ${out}/plan.json (${uploaded.join(", ")})`);
            const download = deployJob.steps.find((s) => usesOf(s) === "actions/download-artifact");
            assert.ok(download, "the prod deploy downloads the plan");
            assert.equal(download.with?.name, upload.with?.name, "the artifact the preview uploaded");
            assert.ok(needsOf(deployJob).includes(previewJob.id), `the prod deploy needs ${previewJob.id}`);
            for (const c of deploys) {
                assert.equal(flag(c, "--plan"), `${download.with?.path}/plan.json`, `${label(c.instance)}: --plan is the downloaded plan`);
                assert.ok(stepIndex(c.instance, (s) => s === download) < c.stepIndex, "downloaded before the deploy");
            }
        });

        it("passes --recover to both deploys exactly when workflow_dispatch's boolean input recover is true", () => {
            const input = wf("deploy.yml").on.workflow_dispatch?.inputs?.recover;
            assert.equal(input?.type, "boolean");
            assert.equal(input?.default, false);
            for (const stack of STACKS) {
                const cs = scripted.filter((c) => c.command === "deploy" && c.stack === stack);
                assert.equal(cs.length, 2, `deploy ${stack}: one call with --recover, one without`);
                assert.equal(cs[0].step, cs[1].step, "in one step");
                const step = cs[0].step;
                const m = step.run?.match(/if \[ "\$(\w+)" = true \]; then\s+scripts\/ci\/deploy [^\n]*--recover\s+else\s+scripts\/ci\/deploy [^\n]*\s+fi/);
                assert.ok(m, `deploy ${stack}: --recover under if [ "$X" = true ], without it under else`);
                assert.equal(envValue(cs[0].instance, step, m[1]), "${{ inputs.recover }}", `$${m[1]} is inputs.recover`);
                assert.deepEqual(cs.map((c) => c.args.includes("--recover")).sort(), [false, true]);
            }
        });

        it("gives every such job the pack's dependencies, Node 20, the Pulumi CLI and the backend, and runs no pulumi command of its own", () => {
            assert.ok(semver.satisfies(`${NODE_VERSION}.99.0`, PACKAGE.engines.node), `Node ${NODE_VERSION} is in package.json's engines`);
            const jobs = new Map(scripted.map((c) => [label(c.instance), c]));
            assert.equal(jobs.size, 7, "preview x2, deploy stage, prod plan, deploy prod, drift x2");
            for (const [name, c] of jobs) {
                const inst = c.instance;
                const first = Math.min(...scripted.filter((o) => o.instance === inst).map((o) => o.stepIndex));
                const before = (test: (s: Step) => boolean, what: string) => {
                    const i = stepIndex(inst, test);
                    assert.ok(i >= 0 && i < first, `${name}: ${what} before scripts/ci/`);
                };
                before((s) => /^npm ci\b(?!.*--prefix)/m.test(s.run ?? ""), "npm ci");
                before((s) => /^npm ci\b.*--prefix policy\b/m.test(s.run ?? ""), "npm ci --prefix policy");
                before(
                    (s) => usesOf(s) === "actions/setup-node" && String(s.with?.["node-version"]) === NODE_VERSION,
                    `setup-node with node-version ${NODE_VERSION}`,
                );
                before(
                    (s) => usesOf(s) === "pulumi/actions" && s.with?.["pulumi-version"] === PACKAGE.dependencies["@pulumi/pulumi"],
                    "pulumi/actions installing @pulumi/pulumi's release",
                );
                before((s) => usesOf(s) === AWS_CREDENTIALS, "AWS credentials");
                before((s) => /KUBECONFIG=/.test(s.run ?? ""), "the kubeconfig");
                assert.equal(envValue(inst, c.step, "PULUMI_BACKEND_URL"), "${{ vars.PULUMI_BACKEND_URL }}", `${name}: PULUMI_BACKEND_URL`);
                for (const step of inst.job.steps) {
                    // pulumi/actions with a command runs pulumi itself, without the pack.
                    if (usesOf(step) === "pulumi/actions") assert.ok(!("command" in (step.with ?? {})), `${name}: pulumi/actions only installs the CLI`);
                    assert.ok(
                        !/(^|[\s;&|(])pulumi\s+(up|update|preview|refresh|destroy|import)\b/m.test(step.run ?? ""),
                        `${name}: no pulumi command outside scripts/ci/`,
                    );
                }
            }
        });
    });

    describe("AWS by OIDC role assumption only, least permissions", () => {
        const assuming = all.filter((i) => i.job.steps.some((s) => usesOf(s) === AWS_CREDENTIALS));

        it("every job that assumes a role has id-token: write and a role-to-assume from a variable, no keys", () => {
            assert.equal(assuming.length, 7);
            for (const inst of assuming) {
                const perms = inst.job.permissions;
                assert.ok(perms && typeof perms === "object", `${label(inst)}: permissions of its own`);
                assert.equal(perms["id-token"], "write", `${label(inst)}: id-token: write`);
                assert.equal(perms.contents, "read", `${label(inst)}: contents: read`);
                for (const step of inst.job.steps.filter((s) => usesOf(s) === AWS_CREDENTIALS)) {
                    assert.match(String(step.with?.["role-to-assume"]), /^\$\{\{ vars\.AWS_[A-Z_]+_ROLE_ARN \}\}$/, `${label(inst)}: role-to-assume`);
                    assert.equal(step.with?.["aws-region"], AWS_REGION);
                    for (const key of ["aws-access-key-id", "aws-secret-access-key", "aws-session-token"])
                        assert.ok(!(key in (step.with ?? {})), `${label(inst)}: no ${key}`);
                }
            }
        });

        it("every job calling scripts/ci/ assumes a role; the deploy role only in its stack's environment", () => {
            for (const c of scripted) assert.ok(assuming.includes(c.instance), `${label(c.instance)} assumes an AWS role`);
            for (const inst of assuming) {
                const roles = inst.job.steps.filter((s) => usesOf(s) === AWS_CREDENTIALS).map((s) => String(s.with?.["role-to-assume"]));
                const deploys = scripted.filter((c) => c.instance === inst && c.command === "deploy");
                if (roles.some((r) => r.includes("AWS_DEPLOY_ROLE_ARN"))) {
                    assert.ok(deploys.length > 0, `${label(inst)}: the deploy role in a job that deploys`);
                    assert.equal(environmentOf(inst.job), DEPLOY_ENVIRONMENT[deploys[0].stack], `${label(inst)}: in the ${deploys[0].stack} environment`);
                }
                if (deploys.length > 0) assert.deepEqual(roles, ["${{ vars.AWS_DEPLOY_ROLE_ARN }}"], `${label(inst)}: a deploy assumes the deploy role`);
            }
        });

        it("no long-lived AWS keys anywhere", () => {
            for (const [file, { text }] of workflows) {
                assert.ok(!/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret-access-key|secrets\.AWS_/.test(text), `${file}: no AWS keys`);
            }
        });

        it("grants nothing at the workflow level, and pull-requests: write only to the job that comments", () => {
            for (const [file, { workflow }] of workflows) {
                assert.deepEqual(workflow.permissions, {}, `${file}: permissions: {} at the top`);
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    const comments = job.steps.some((s) => /issues\/(\$\w+|\d+)\/comments/.test(s.run ?? ""));
                    const perms = typeof job.permissions === "object" ? job.permissions : {};
                    assert.equal(perms["pull-requests"] === "write", comments, `${file} ${id}: pull-requests: write ${comments ? "needed" : "not needed"}`);
                    const writes = Object.entries(perms)
                        .filter(([, v]) => v === "write")
                        .map(([k]) => k);
                    assert.ok(
                        writes.every((k) => k === "id-token" || k === "pull-requests"),
                        `${file} ${id}: writes only id-token and pull-requests (${writes.join(", ")})`,
                    );
                }
            }
        });

        it("writes each stack's own kubeconfig secret to a file with mode 600 and exports KUBECONFIG", () => {
            for (const c of scripted) {
                const inst = c.instance;
                const step = inst.job.steps.find((s) => /KUBECONFIG=/.test(s.run ?? ""));
                assert.ok(step, `${label(inst)}: a kubeconfig step`);
                const secrets = Object.keys(step.env ?? {})
                    .map((k) => envValue(inst, step, k))
                    .filter((v) => v?.includes("secrets."));
                assert.deepEqual(secrets, [`\${{ secrets.${KUBECONFIG_SECRET[c.stack]} }}`], `${label(inst)}: ${c.stack}'s kubeconfig secret`);
                assert.match(step.run ?? "", /chmod 600 "?\$RUNNER_TEMP\/kubeconfig"?/);
                assert.match(step.run ?? "", /echo "KUBECONFIG=\$RUNNER_TEMP\/kubeconfig" >>"?\$GITHUB_ENV"?/);
            }
        });
    });

    describe("every action pinned to a commit", () => {
        it("uses owner/repo@<40 hex> with the version tag in a trailing comment", () => {
            let count = 0;
            for (const [file, { text, workflow }] of workflows) {
                for (const [id, job] of Object.entries(workflow.jobs)) {
                    for (const step of job.steps.filter((s) => s.uses !== undefined)) {
                        assert.match(String(step.uses), /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${file} ${id}: ${step.uses}`);
                        count++;
                    }
                }
                for (const line of text.split("\n").filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
                    assert.match(line, /uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/, `${file}: ${line.trim()}`);
                }
            }
            assert.ok(count >= 20, `${count} uses: checked`);
        });

        it("pins each action to one commit and one tag across the workflows", () => {
            const pins = new Map<string, Set<string>>();
            for (const { text } of workflows.values()) {
                for (const m of text.matchAll(/uses: ([\w.-]+\/[\w./-]+)@(\S+) # (\S+)/g)) {
                    pins.set(m[1], (pins.get(m[1]) ?? new Set()).add(`${m[2]} ${m[3]}`));
                }
            }
            for (const [action, seen] of pins) assert.equal(seen.size, 1, `${action}: ${[...seen].join(", ")}`);
        });
    });

    describe("one stack's deploys and drift checks never overlap", () => {
        const groupOf = (file: string, command: string, stack: string) => {
            const c = jobCalling(scripted, file, command, stack);
            const conc = concurrencyOf(c.instance);
            assert.ok(conc, `${label(c.instance)}: a concurrency group`);
            return { c, conc };
        };

        it("each deploy and drift job has a concurrency group naming its stack; deploys are never cancelled", () => {
            for (const stack of STACKS) {
                for (const [file, command] of [
                    ["deploy.yml", "deploy"],
                    ["drift.yml", "drift"],
                ]) {
                    const { c, conc } = groupOf(file, command, stack);
                    assert.match(conc.group, new RegExp(`(^|[^a-z])${stack}([^a-z]|$)`), `${label(c.instance)}: group ${conc.group} names ${stack}`);
                    if (command === "deploy") assert.equal(conc.cancel, false, `${label(c.instance)}: cancel-in-progress: false`);
                }
            }
        });

        it("a stack's deploy, its plan and its drift check share one group; the two stacks' groups differ", () => {
            const groups = STACKS.map((stack) => {
                const deploy = groupOf("deploy.yml", "deploy", stack).conc.group;
                assert.equal(groupOf("drift.yml", "drift", stack).conc.group, deploy, `${stack}: drift in the deploy's group`);
                return deploy;
            });
            const plan = concurrencyOf(jobCalling(scripted, "deploy.yml", "preview", "prod").instance);
            assert.deepEqual(plan, { group: groups[1], cancel: false }, "prod's plan in prod's group");
            assert.notEqual(groups[0].toLowerCase(), groups[1].toLowerCase(), "stage and prod do not wait for each other");
        });

        it("no workflow-level concurrency cancels a deploy or a drift check", () => {
            for (const file of ["deploy.yml", "drift.yml"]) {
                const c = wf(file).concurrency;
                assert.ok(c === undefined || (typeof c === "object" && c["cancel-in-progress"] === false), `${file}: workflow concurrency`);
            }
        });
    });

    describe("prod after stage, approved in the production environment", () => {
        it("deploys on every push to main, and by hand", () => {
            const on = wf("deploy.yml").on;
            assert.deepEqual(on.push?.branches, ["main"]);
            assert.ok("workflow_dispatch" in on);
        });

        it("deploys prod in the production environment, needing the stage deploy; stage in the stage environment", () => {
            const stage = jobCalling(scripted, "deploy.yml", "deploy", "stage").instance;
            const prod = jobCalling(scripted, "deploy.yml", "deploy", "prod").instance;
            assert.equal(environmentOf(prod.job), DEPLOY_ENVIRONMENT.prod);
            assert.equal(environmentOf(stage.job), DEPLOY_ENVIRONMENT.stage);
            assert.ok(needsOf(prod.job).includes(stage.id), `${prod.id} needs ${stage.id}`);
            const plan = jobCalling(scripted, "deploy.yml", "preview", "prod").instance;
            assert.ok(needsOf(plan.job).includes(stage.id), `${plan.id} (prod's plan) needs ${stage.id}`);
            assert.notEqual(environmentOf(plan.job), DEPLOY_ENVIRONMENT.prod, "the plan is made before the approval, not after a second one");
        });

        it("deploys main only, whatever branch workflow_dispatch is started on", () => {
            const stage = jobCalling(scripted, "deploy.yml", "deploy", "stage").instance;
            assert.equal(stage.job.if, "github.ref == 'refs/heads/main'");
        });
    });

    describe("the preview comment: one per stack, edited on each push", () => {
        const commentStep = (inst: Instance) => inst.job.steps.find((s) => /\bgh api\b[^\n]*\/comments\b/.test(s.run ?? ""));

        it("finds its earlier comment by a hidden marker naming the stack, and edits it", () => {
            for (const stack of STACKS) {
                const inst = jobCalling(scripted, "preview.yml", "preview", stack).instance;
                const step = commentStep(inst);
                assert.ok(step, `${label(inst)}: a comment step`);
                const run = step.run ?? "";
                const marker = run.match(/marker="([^"]+)"/);
                assert.ok(marker, "a marker variable");
                assert.equal(resolveWord(inst, step, marker[1]), `<!-- sscan-preview:${stack} -->`);
                // The comment starts with the marker; the earlier one is looked up by it.
                assert.match(run, /echo "\$marker"/);
                assert.match(run, /gh api --paginate "repos\/\$GITHUB_REPOSITORY\/issues\/\$PR\/comments"[^\n]*\n[^\n]*startswith\(\\"\$marker\\"\)/);
                assert.equal(envValue(inst, step, "PR"), "${{ github.event.pull_request.number }}");
                // Edited when found; a new one only when none is found.
                assert.match(
                    run,
                    /if \[ -n "\$id" \]; then\s+gh api --method PATCH "repos\/\$GITHUB_REPOSITORY\/issues\/comments\/\$id"[^\n]*\n(?:[^\n]*\n)?\s*else\s+gh api --method POST /,
                );
                assert.equal((run.match(/--method POST/g) ?? []).length, 1, "one place posts a new comment");
            }
        });

        it("comments and writes the step summary even when the preview failed, then fails the job", () => {
            for (const stack of STACKS) {
                const c = jobCalling(scripted, "preview.yml", "preview", stack);
                const steps = c.instance.job.steps;
                assert.equal(c.step["continue-on-error"], true, "the preview step lets the comment run");
                assert.ok(c.step.id, "the preview step has an id");
                const comment = commentStep(c.instance)!;
                assert.ok(steps.indexOf(comment) > c.stepIndex, "the comment after the preview");
                assert.match(String(comment.if), /!cancelled\(\)|always\(\)/, "the comment step runs after a failure");
                assert.match(comment.run ?? "", /"\$OUT\/summary\.md" >>"\$GITHUB_STEP_SUMMARY"/, "the summary in $GITHUB_STEP_SUMMARY");
                assert.equal(envValue(c.instance, comment, "OUT"), flag(c, "--out"), "the summary the preview wrote");
                const fail = steps.slice(steps.indexOf(comment) + 1).find((s) => s.if === `steps.${c.step.id}.outcome == 'failure'`);
                assert.ok(fail && /exit 1/.test(fail.run ?? ""), "a last step fails the job when the preview failed");
            }
        });
    });

    describe("drift", () => {
        it("runs on a nightly schedule and by hand, stage and prod", () => {
            const on = wf("drift.yml").on;
            const crons = (on.schedule ?? []).map((s: { cron: string }) => s.cron);
            assert.equal(crons.length, 1, "one schedule");
            const fields = crons[0].split(/\s+/);
            assert.equal(fields.length, 5, crons[0]);
            assert.deepEqual(fields.slice(2), ["*", "*", "*"], `${crons[0]}: every day`);
            assert.match(fields[0], /^\d+$/);
            assert.match(fields[1], /^\d+$/, `${crons[0]}: once a day`);
            assert.ok("workflow_dispatch" in on);
            assert.deepEqual(
                scripted
                    .filter((c) => c.instance.file === "drift.yml")
                    .map((c) => c.stack)
                    .sort(),
                ["prod", "stage"],
            );
        });

        it("fails the job when drift is found, with the summary in $GITHUB_STEP_SUMMARY", () => {
            for (const stack of STACKS) {
                const c = jobCalling(scripted, "drift.yml", "drift", stack);
                assert.ok(!c.step["continue-on-error"], "the drift step's failure fails the job");
                const summary = c.instance.job.steps.slice(c.stepIndex + 1).find((s) => /\$GITHUB_STEP_SUMMARY/.test(s.run ?? ""));
                assert.ok(summary, "a summary step after it");
                assert.match(String(summary.if), /!cancelled\(\)|always\(\)/, "runs after a failure");
                assert.match(summary.run ?? "", /"\$OUT\/summary\.md" >>"\$GITHUB_STEP_SUMMARY"/);
                assert.equal(envValue(c.instance, summary, "OUT"), flag(c, "--out"), "the summary the drift check wrote");
            }
        });
    });
});
