/**
 * The workload kinds that carry a pod template, where the template's pod spec sits in each, and
 * the walk over a pod spec's containers. The policies read typed props through
 * validateResourceOfType; the program's tests use the same table (test/helpers.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ReportViolation, type ResourceValidation, type ResourceValidationArgs } from "@pulumi/policy";
import type { CustomResourceOptions, Resource, Unwrap } from "@pulumi/pulumi";

/** A pod spec and a container as the policies see them: the SDK's input types, resolved. */
export type PodSpec = Unwrap<k8s.types.input.core.v1.PodSpec>;
export type Container = Unwrap<k8s.types.input.core.v1.Container>;

/** A resource class of @pulumi/kubernetes, as validateResourceOfType takes it. */
type ResourceClass<TArgs> = { new (name: string, args: TArgs, opts?: CustomResourceOptions): Resource };

/** A resource's props as a stack policy sees them (PolicyResource.props): not typed. */
type UntypedProps = Record<string, unknown>;

interface WorkloadKind {
    /** Its Pulumi type, e.g. "kubernetes:apps/v1:Deployment". */
    type: string;
    /** The pod spec in the resource's untyped props. */
    podSpec: (props: UntypedProps) => PodSpec | undefined;
    /** A resource validation for this kind: validateResourceOfType with its own class, so its props arrive typed. */
    validation: (validate: WorkloadValidation) => ResourceValidation;
}

/** One entry of the table: the locator is written against the kind's own typed props. */
function workloadKind<TArgs>(resourceClass: ResourceClass<TArgs>, podSpec: (props: Unwrap<NonNullable<TArgs>>) => PodSpec | undefined): WorkloadKind {
    // Every generated resource class carries its Pulumi type; validateResourceOfType filters on it too.
    const type = (resourceClass as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof type !== "string") throw new Error(`${resourceClass.name} has no Pulumi type`);
    return {
        type,
        // The props of a resource of this type are this kind's args, resolved.
        podSpec: (props) => podSpec(props as Unwrap<NonNullable<TArgs>>),
        validation: (validate) =>
            validateResourceOfType(resourceClass, (props, args, reportViolation) =>
                validate({ owner: describe(args.type, args.name, args.props), podSpec: podSpec(props) }, args, reportViolation),
            ),
    };
}

/** Every kind whose containers the policies check. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [
    workloadKind(k8s.apps.v1.Deployment, (d) => d.spec?.template?.spec),
    workloadKind(k8s.apps.v1.StatefulSet, (s) => s.spec?.template?.spec),
    workloadKind(k8s.apps.v1.DaemonSet, (d) => d.spec?.template?.spec),
    workloadKind(k8s.apps.v1.ReplicaSet, (r) => r.spec?.template?.spec),
    workloadKind(k8s.batch.v1.Job, (j) => j.spec?.template?.spec),
    workloadKind(k8s.batch.v1.CronJob, (c) => c.spec?.jobTemplate?.spec?.template?.spec),
    workloadKind(k8s.core.v1.Pod, (p) => p.spec),
];

/** The pod spec of a workload of Pulumi type `type`, or undefined for other types. */
export function podSpecOf(type: string, props: UntypedProps): PodSpec | undefined {
    return WORKLOAD_KINDS.find((k) => k.type === type)?.podSpec(props);
}

export interface NamedContainer {
    /** "initContainer" or "container", for messages. */
    role: "initContainer" | "container";
    container: Container;
}

/** Every container of a pod spec, init containers first. */
export function containersOf(podSpec: PodSpec | undefined): NamedContainer[] {
    if (!podSpec) return [];
    return [
        ...(podSpec.initContainers ?? []).map((container) => ({ role: "initContainer" as const, container })),
        ...(podSpec.containers ?? []).map((container) => ({ role: "container" as const, container })),
    ];
}

/** "Deployment clamav" from the props' kind and metadata.name, else the Pulumi type and name. */
export function describe(type: string, name: string, props: { kind?: unknown; metadata?: { name?: unknown } } | undefined): string {
    const kind = props?.kind ?? type.split(":").pop();
    return `${kind} ${props?.metadata?.name ?? name}`;
}

/** What a workload check is given: the workload's name for messages and its pod spec. */
export interface Workload {
    /** "Deployment clamav". */
    owner: string;
    podSpec: PodSpec | undefined;
}

export type WorkloadValidation = (workload: Workload, args: ResourceValidationArgs, reportViolation: ReportViolation) => void;

/**
 * One resource validation for every workload kind: each kind goes through
 * validateResourceOfType with its own class (so its props arrive typed), and other resources
 * pass untouched, as before (no "not applicable" per kind for each resource).
 */
export function validateWorkloads(validate: WorkloadValidation): ResourceValidation {
    const byType = new Map(WORKLOAD_KINDS.map((k) => [k.type, k.validation(validate)]));
    return (args, reportViolation) => byType.get(args.type)?.(args, reportViolation);
}
