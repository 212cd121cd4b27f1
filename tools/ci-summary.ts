/**
 * The Markdown summaries of the pipeline's scripts (scripts/ci/preview, deploy, drift), built from
 * the engine's own event stream: `pulumi preview --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW
 * (and `pulumi up --json`) print one engine event per line, the format of Pulumi's Automation API
 * (apitype.EngineEvent). The plain `--json` preview document leaves out policy violations, so it
 * cannot be used for this.
 *
 * A summary names resources, operations and changed fields, never a value: the events carry
 * inputs, and a secret marked as such prints as "[secret]", but a value is not a reviewer's
 * business in a pull-request comment.
 */
import type { AppTotals } from "../lib/capacity";

/** The parts of the engine events the summaries read. */
export interface EngineEvent {
    /** planning: a step of the preview an update runs first (`pulumi up` without --skip-preview). */
    resourcePreEvent?: { metadata: StepMetadata; planning?: boolean };
    resOutputsEvent?: { metadata: StepMetadata };
    resOpFailedEvent?: { metadata: StepMetadata; status?: number };
    policyEvent?: { resourceUrn?: string; message: string; policyName: string; policyPackName: string; enforcementLevel: string };
    diagnosticEvent?: { urn?: string; message: string; severity: string; ephemeral?: boolean };
    summaryEvent?: { resourceChanges?: Record<string, number>; durationSeconds?: number };
}
export interface StepMetadata {
    op: string;
    urn: string;
    type: string;
    detailedDiff?: Record<string, { kind: string; inputDiff?: boolean }> | null;
    diffs?: string[] | null;
}

/** One line per event; lines that are not JSON (a CLI warning on stdout) are skipped. */
export function parseEvents(text: string): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const line of text.split("\n")) {
        const trimmed = line.trim();
        if (!trimmed.startsWith("{")) continue;
        try {
            events.push(JSON.parse(trimmed));
        } catch {
            // A truncated last line (a killed engine) is not an event.
        }
    }
    return events;
}

/** Operations that change something, as a reviewer counts them (a replacement counts once). */
const COUNTED: Record<string, string> = {
    create: "create",
    update: "update",
    replace: "replace",
    delete: "delete",
    import: "import",
    discard: "delete",
};

export interface Change {
    op: string;
    /** The resource's type token, e.g. kubernetes:apps/v1:Deployment. */
    type: string;
    /** The resource's name (the URN's last part). */
    name: string;
    /** The fields that change (property paths), when the provider says. */
    fields: string[];
    /**
     * Why the resource was not ready when the refresh read it (the provider's own lines). Pulumi
     * proposes an update for such a resource with no field changed: the next `pulumi up` re-runs
     * the provider's readiness wait. A workload mid-rollout or mid-scale reads this way.
     */
    notReady?: string;
}

export interface PolicyViolation {
    policy: string;
    pack: string;
    level: string;
    /** "<type> <name>", or "the stack" for a stack policy. */
    resource: string;
    /** The message's lines after the policy's description. */
    detail: string;
}

export interface StepReport {
    changes: Change[];
    violations: PolicyViolation[];
    errors: string[];
    /** The engine's own totals, when it got to the end. */
    resourceChanges?: Record<string, number>;
}

const nameOf = (urn: string) => urn.split("::").pop() ?? urn;
const fieldsOf = (m: StepMetadata): string[] =>
    Object.keys(m.detailedDiff ?? {}).length ? Object.keys(m.detailedDiff ?? {}).sort() : [...(m.diffs ?? [])].sort();

/**
 * What a preview or an update's events say: the changes, the policy violations, the errors. An
 * update that previews first announces each step twice, planned and then done: when both are
 * there, only the done ones count.
 */
export function readSteps(events: EngineEvent[]): StepReport {
    const notReady = unhealthyOnRefresh(events);
    const updating = events.some((e) => e.resourcePreEvent && !e.resourcePreEvent.planning) && events.some((e) => e.resourcePreEvent?.planning);
    const changes: Change[] = [];
    const violations: PolicyViolation[] = [];
    const errors: string[] = [];
    let resourceChanges: Record<string, number> | undefined;
    for (const event of events) {
        const step = event.resourcePreEvent?.metadata;
        if (step && COUNTED[step.op] && step.type !== "pulumi:pulumi:Stack" && !(updating && event.resourcePreEvent!.planning)) {
            const change: Change = { op: COUNTED[step.op], type: step.type, name: nameOf(step.urn), fields: fieldsOf(step) };
            if (notReady.has(step.urn)) change.notReady = notReady.get(step.urn);
            changes.push(change);
        }
        const policy = event.policyEvent;
        if (policy) {
            const [, ...detail] = policy.message.trim().split("\n");
            const urn = policy.resourceUrn ?? "";
            const resource =
                !urn || urn.includes("::pulumi:pulumi:Stack::") ? "the stack" : `${urn.split("::")[2].split("$").pop()!.split(":").pop()} ${nameOf(urn)}`;
            violations.push({
                policy: policy.policyName,
                pack: policy.policyPackName,
                level: policy.enforcementLevel,
                resource,
                detail: detail.join(" ").trim(),
            });
        }
        const diagnostic = event.diagnosticEvent;
        if (diagnostic && diagnostic.severity === "error" && !diagnostic.ephemeral) {
            errors.push(diagnostic.message.trim());
        }
        if (event.summaryEvent) resourceChanges = event.summaryEvent.resourceChanges;
    }
    return { changes, violations, errors, resourceChanges };
}

/** The engine's warning for a refreshed resource that did not pass its readiness check. */
const UNHEALTHY = /^(?:warning: )?Refreshed resource is in an unhealthy state:\s*/;
/** The engine's colour directives (`<{%reset%}>`), left in some event messages. */
const COLOUR = /<\{%[^%]*%\}>/g;

/** Resources (by URN) the refresh found not ready, with the provider's reasons on one line. */
function unhealthyOnRefresh(events: EngineEvent[]): Map<string, string> {
    const found = new Map<string, string>();
    for (const { diagnosticEvent: d } of events) {
        const message = d?.message.replace(COLOUR, "").trim() ?? "";
        if (!d?.urn || d.severity !== "warning" || !UNHEALTHY.test(message)) continue;
        const reasons = message
            .replace(UNHEALTHY, "")
            .split("\n")
            .map((l) => l.replace(/^\s*\*\s*/, "").trim())
            .filter(Boolean);
        found.set(d.urn, reasons.join("; "));
    }
    return found;
}

/** Changes counted by the resource's kind (the type token's last part) and operation. */
export function changesByKind(changes: Change[]): { kind: string; counts: Record<string, number> }[] {
    const byKind = new Map<string, Record<string, number>>();
    for (const c of changes) {
        const kind = c.type.split(":").pop()!;
        const counts = byKind.get(kind) ?? {};
        counts[c.op] = (counts[c.op] ?? 0) + 1;
        byKind.set(kind, counts);
    }
    return [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, counts]) => ({ kind, counts }));
}

/** Capacity per app and in total (lib/capacity's figures) before and after a change. */
export interface CapacityChange {
    /** What "before" is, e.g. "deployed" or "not deployed". */
    beforeLabel: string;
    before: { apps: Record<string, AppTotals>; total: AppTotals } | undefined;
    after: { apps: Record<string, AppTotals>; total: AppTotals };
}

const CAPACITY_FIELDS: [keyof AppTotals, string][] = [
    ["pods", "pods"],
    ["cpu", "CPU cores"],
    ["memoryGiB", "memory GiB"],
    ["storageGiB", "storage GiB"],
    ["rdsInstances", "RDS instances"],
    ["rdsStorageGiB", "RDS storage GiB"],
];

const round = (n: number) => Math.round(n * 1000) / 1000;
const signed = (n: number) => (n > 0 ? `+${round(n)}` : n < 0 ? `${round(n)}` : "0");

/** The change of one figure: "4 → 5 (+1)", or "4" when it does not change. */
function cell(before: number | undefined, after: number | undefined): string {
    const a = before ?? 0;
    const b = after ?? 0;
    return a === b ? `${round(b)}` : `${round(a)} → ${round(b)} (${signed(b - a)})`;
}

export function capacityTable(c: CapacityChange): string {
    const apps = [...new Set([...Object.keys(c.before?.apps ?? {}), ...Object.keys(c.after.apps)])].sort();
    const rows = [...apps.map((app) => [app, c.before?.apps[app], c.after.apps[app]] as const), ["TOTAL", c.before?.total, c.after.total] as const];
    const lines = [
        `| app | ${CAPACITY_FIELDS.map(([, h]) => h).join(" | ")} |`,
        `|---|${CAPACITY_FIELDS.map(() => "---:").join("|")}|`,
        ...rows.map(
            ([app, before, after]) => `| ${app === "TOTAL" ? "**TOTAL**" : app} | ${CAPACITY_FIELDS.map(([f]) => cell(before?.[f], after?.[f])).join(" | ")} |`,
        ),
    ];
    return lines.join("\n");
}

/** True when any figure of any app differs. */
export function capacityChanged(c: CapacityChange): boolean {
    const apps = new Set([...Object.keys(c.before?.apps ?? {}), ...Object.keys(c.after.apps)]);
    return [...apps].some((app) => CAPACITY_FIELDS.some(([f]) => (c.before?.apps[app]?.[f] ?? 0) !== (c.after.apps[app]?.[f] ?? 0)));
}

const OPS = ["create", "update", "replace", "delete", "import"];

function changeLines(changes: Change[]): string[] {
    return changes.map((c) => {
        const fields = c.fields.length ? `: ${c.fields.map((f) => `\`${f}\``).join(", ")}` : "";
        const ready =
            c.notReady !== undefined
                ? `${fields ? ";" : ":"} not ready when read (${c.notReady})${fields ? "" : ", no field differs: the update re-runs the readiness wait"}`
                : "";
        return `- ${c.op} \`${c.type.split(":").pop()} ${c.name}\`${fields}${ready}`;
    });
}

function violationLines(violations: PolicyViolation[]): string[] {
    if (!violations.length) return ["No policy violations."];
    return [
        "| policy | level | resource | detail |",
        "|---|---|---|---|",
        ...violations.map((v) => `| \`${v.policy}\` | ${v.level} | ${v.resource} | ${v.detail.replace(/\|/g, "\\|")} |`),
    ];
}

/** The pull-request summary of `scripts/ci/preview` (and, titled "Update", of `scripts/ci/deploy`). */
export function previewMarkdown(input: {
    stack: string;
    status: number;
    steps: StepReport;
    capacity?: CapacityChange;
    policyConfig: string;
    title?: string;
}): string {
    const { stack, status, steps } = input;
    const title = input.title ?? "Preview";
    const mandatory = steps.violations.filter((v) => v.level === "mandatory");
    const verdict =
        status === 0
            ? steps.changes.length
                ? `${steps.changes.length} to change`
                : "no changes"
            : mandatory.length
              ? `refused by ${mandatory.length} mandatory policy violation${mandatory.length > 1 ? "s" : ""}`
              : "failed";
    const out = [`### ${title} of \`${stack}\`: ${verdict}`, ""];
    const kinds = changesByKind(steps.changes);
    if (kinds.length) {
        out.push(`| kind | ${OPS.join(" | ")} |`, `|---|${OPS.map(() => "---:").join("|")}|`);
        for (const { kind, counts } of kinds) out.push(`| ${kind} | ${OPS.map((op) => counts[op] ?? 0).join(" | ")} |`);
        out.push("", "<details><summary>Resources and fields</summary>", "", ...changeLines(steps.changes), "", "</details>");
    } else {
        out.push("No resource changes.");
    }
    out.push("", `#### Policy pack (\`${input.policyConfig}\`)`, "", ...violationLines(steps.violations));
    if (input.capacity) {
        out.push("", `#### Capacity: ${input.capacity.beforeLabel} → this change`, "");
        out.push(capacityChanged(input.capacity) ? capacityTable(input.capacity) : "No capacity change.");
    }
    if (steps.errors.length) out.push("", "#### Errors", "", "```", ...steps.errors, "```");
    return out.join("\n") + "\n";
}

/** The summary of `scripts/ci/drift`: each drifted resource and field, or none. */
export function driftMarkdown(input: { stack: string; status: number; steps: StepReport }): string {
    const { stack, status, steps } = input;
    const out: string[] = [];
    if (steps.changes.length) {
        out.push(`### Drift in \`${stack}\`: ${steps.changes.length} resource${steps.changes.length > 1 ? "s" : ""}`, "");
        out.push("Live state differs from the program; the next `pulumi up` would do this to bring it back:", "", ...changeLines(steps.changes));
    } else if (status === 0) {
        out.push(`### Drift in \`${stack}\`: none`, "", "The live resources match the program (after a refresh).");
    } else {
        out.push(`### Drift in \`${stack}\`: the check failed`);
    }
    if (steps.errors.length) out.push("", "#### Errors", "", "```", ...steps.errors, "```");
    return out.join("\n") + "\n";
}
