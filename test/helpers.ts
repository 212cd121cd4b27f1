import { strict as assert } from "assert";
import { podSpecOf } from "../policy/lib/workloads";
import { isSecretValue, runProgram, unwrapSecrets, type MockResource, type MockRun } from "../tools/mock-run";

/**
 * The stack's run with its committed config: the one test/setup.ts shares among the test files
 * (each call counts there, so a file that changed it is named at its end).
 */
/**
 * The list, after asserting it holds at least `min` items: a loop of assertions over an empty
 * list passes without checking anything.
 */
export function atLeast<T>(list: T[], min: number, what: string): T[] {
    if (list.length < min)
        throw new assert.AssertionError({
            message: `${what}: expected at least ${min}, found ${list.length}`,
            actual: list.length,
            expected: min,
            operator: ">=",
        });
    return list;
}

export function stackRun(stack: string): Promise<MockRun> {
    return runProgram(stack);
}

export const K8S = {
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    cronJob: "kubernetes:batch/v1:CronJob",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    route: "kubernetes:route.openshift.io/v1:Route",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
};
export const AWS = {
    instance: "aws:rds/instance:Instance",
    parameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
};

export function ofType(run: MockRun, type: string): MockResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The Kubernetes object of `type` whose metadata.name is `name`, secrets unwrapped. */
/** A Kubernetes object's metadata.name; only its metadata is unwrapped (the inputs are a plain record). */
const nameOf = (r: MockResource): unknown => unwrapSecrets(r.inputs.metadata)?.name;

export function object(run: MockRun, type: string, name: string): any {
    const found = ofType(run, type).filter((r) => nameOf(r) === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return unwrapSecrets(found[0].inputs);
}

export function rawObject(run: MockRun, type: string, name: string): MockResource {
    const found = ofType(run, type).filter((r) => nameOf(r) === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/**
 * Pod specs of every workload in the run, by the policy pack's table of workload kinds
 * (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, Pods).
 */
export function podSpecs(run: MockRun): { owner: string; spec: any }[] {
    return run.resources.flatMap((r) => {
        const o = unwrapSecrets(r.inputs);
        const spec = podSpecOf(r.type, o);
        return spec ? [{ owner: `${o.kind}/${o.metadata.name}`, spec }] : [];
    });
}

/** Paths (a.b.0.c) at which `value` holds a secret-wrapped value. */
export function secretPaths(value: unknown, at = ""): string[] {
    if (isSecretValue(value)) return [at];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretPaths(v, `${at}.${i}`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => secretPaths(v, at ? `${at}.${k}` : k));
    return [];
}

/** The JSON of a value with every secret-wrapped part removed: what a reader sees in plaintext. */
export function plaintextOf(value: unknown): string {
    const strip = (v: any): any => {
        if (isSecretValue(v)) return "[secret]";
        if (Array.isArray(v)) return v.map(strip);
        if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)]));
        return v;
    };
    return JSON.stringify(strip(value));
}

/** The deepest of a container's volumeMounts over `file` (the one that provides it), or undefined. */
export function mountOver<M extends { mountPath: string }>(container: { volumeMounts?: M[] }, file: string): M | undefined {
    return (container.volumeMounts ?? [])
        .filter((m) => file === m.mountPath || file.startsWith(m.mountPath.replace(/\/$/, "") + "/"))
        .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}
