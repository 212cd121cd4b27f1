/**
 * OpenShift's SCC admission as the sixth manifest checker: every pod template of the rendered
 * objects is judged by tools/openshift-scc (OpenShift's own sccmatching code, built by
 * scripts/checkers.sh) against the SCCs a cluster ships, in a namespace annotated with ranges as
 * OpenShift's namespace controller annotates a new one, with the access the namespace's
 * ServiceAccounts have by default plus the RoleBindings the program renders.
 */
import { spawn } from "child_process";

/**
 * The annotations OpenShift's namespace controller puts on a new namespace (a typical block:
 * 10000 UIDs from 1000680000, the same range for groups, and an MCS level). The SCCs' ranges come
 * from these (github.com/openshift/api security/v1: UIDRangeAnnotation, SupplementalGroupsAnnotation, MCSAnnotation).
 */
export const OPENSHIFT_NAMESPACE_ANNOTATIONS: Record<string, string> = {
    "openshift.io/sa.scc.uid-range": "1000680000/10000",
    "openshift.io/sa.scc.supplemental-groups": "1000680000/10000",
    "openshift.io/sa.scc.mcs": "s0:c26,c15",
};

/** Where each workload kind keeps its pod template. */
const TEMPLATE_OF: Record<string, (o: any) => any> = {
    Deployment: (o) => o.spec?.template,
    StatefulSet: (o) => o.spec?.template,
    DaemonSet: (o) => o.spec?.template,
    ReplicaSet: (o) => o.spec?.template,
    Job: (o) => o.spec?.template,
    CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
    Pod: (o) => ({ metadata: o.metadata, spec: o.spec }),
};

export interface PodTemplateInput {
    /** kind/name of the workload. */
    name: string;
    template: { metadata?: Record<string, unknown>; spec: Record<string, unknown> };
}

/** Every pod template among the objects, named by its workload. */
export function podTemplatesOf(objects: any[]): PodTemplateInput[] {
    return objects.flatMap((o) => {
        const template = TEMPLATE_OF[o?.kind]?.(o);
        return template?.spec ? [{ name: `${o.kind}/${o.metadata?.name}`, template }] : [];
    });
}

export interface SccRequest {
    sccDir: string;
    namespace: { metadata: { name: string; annotations: Record<string, string> } };
    pods: PodTemplateInput[];
    roleBindings: any[];
}

/** The request for `openshift-scc check`: the objects' pod templates and RoleBindings in their namespace. */
export function sccRequest(objects: any[], sccDir: string, namespace: string, annotations = OPENSHIFT_NAMESPACE_ANNOTATIONS): SccRequest {
    return {
        sccDir,
        namespace: { metadata: { name: namespace, annotations } },
        pods: podTemplatesOf(objects),
        roleBindings: objects.filter((o) => o?.kind === "RoleBinding"),
    };
}

export interface SccVerdict {
    name: string;
    serviceAccount: string;
    usableSCCs: string[];
    /** The SCC that admits the pod; "" when none does. */
    admittedBy: string;
    podSecurityContext?: Record<string, any>;
    containerSecurityContexts?: Record<string, Record<string, any>>;
    refusals: { scc: string; message: string }[];
}

/** Runs `openshift-scc check` with the request on stdin. */
export function runSccCheck(bin: string, request: SccRequest): Promise<SccVerdict[]> {
    return new Promise((resolve, reject) => {
        const child = spawn(bin, ["check"], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code !== 0) return reject(new Error(`openshift-scc check failed (exit ${code}): ${stderr.trim()}`));
            try {
                resolve(JSON.parse(stdout).pods);
            } catch (err) {
                reject(new Error(`openshift-scc check printed invalid JSON: ${(err as Error).message}`));
            }
        });
        child.stdin.end(JSON.stringify(request));
    });
}

/** The namespace the objects live in (the rendered Namespace, else the first namespaced object's). */
export function namespaceOf(objects: any[]): string {
    const ns = objects.find((o) => o?.kind === "Namespace")?.metadata?.name ?? objects.find((o) => o?.metadata?.namespace)?.metadata?.namespace;
    if (!ns) throw new Error("the rendered objects name no namespace");
    return ns;
}
