/**
 * Capacity figures, computed from the same values the workloads are built from: the stack
 * output `capacity` and `npm run capacity` both come from here.
 */
import { parseQuantity, quantityToGiB, quantityToNumber } from "../policy/lib/quantity";
import type { GuaranteedResources } from "./resources";

export interface WorkloadCapacity {
    /** Kubernetes object name, e.g. "clair-indexer". */
    name: string;
    /** Which part of the platform: "clair", "clamav", "malwar" or "postgres". */
    app: string;
    kind: "Deployment" | "StatefulSet" | "CronJob" | "Job";
    /** Pods of the workload; for a CronJob or a Job, the pods of one run (counted as if running). With an autoscaler, its minimum. */
    replicas: number;
    /** An autoscaler's maximum; `replicas` when the count is fixed. */
    maxReplicas?: number;
    /** What the scheduler reserves per pod: max(sum of containers, largest init container). */
    cpuPerPod: number;
    memoryGiBPerPod: number;
    /** volumeClaimTemplates, per pod. */
    storageGiBPerPod: number;
    /** Claims shared by all pods (a PersistentVolumeClaim). */
    sharedStorageGiB: number;
}

export interface DatabaseCapacity {
    name: string;
    app: string;
    instanceClass: string;
    allocatedStorageGiB: number;
}

export interface Totals {
    pods: number;
    cpu: number;
    memoryGiB: number;
    storageGiB: number;
}

export type AppTotals = Totals & { rdsInstances: number; rdsStorageGiB: number };

export interface CapacitySummary {
    stack: string;
    /** Each workload at its fixed count or its autoscaler's minimum, and `atMax` at the autoscaler's maximum. */
    workloads: (WorkloadCapacity & Totals & { atMax: Totals })[];
    databases: DatabaseCapacity[];
    /** Totals per app ("clair", "clamav", ...), plus rdsInstances per app; autoscalers at their minimum. */
    apps: Record<string, AppTotals>;
    total: AppTotals;
    /** The same totals with every autoscaler at its maximum: equal to apps and total when none is on. */
    atMax: { apps: Record<string, AppTotals>; total: AppTotals };
}

/** The scheduler's view of a pod: init containers run one at a time before the others. */
export function podReservation(containers: GuaranteedResources[], initContainers: GuaranteedResources[] = []): { cpu: number; memoryGiB: number } {
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const cpu = (r: GuaranteedResources) => quantityToNumber(r.cpu);
    const mem = (r: GuaranteedResources) => quantityToGiB(r.memory);
    return {
        cpu: Math.max(sum(containers.map(cpu)), ...initContainers.map(cpu), 0),
        memoryGiB: Math.max(sum(containers.map(mem)), ...initContainers.map(mem), 0),
    };
}

export function storageGiB(size: string): number {
    if (!parseQuantity(size)) throw new Error(`${size} is not a quantity`);
    return quantityToGiB(size);
}

/** Rounds away float noise (0.1 + 0.2) without hiding real fractions. */
const round = (n: number) => Math.round(n * 1000) / 1000;

/** A workload's figures when `pods` of it run. */
function figures(w: WorkloadCapacity, pods: number): Totals {
    return {
        pods,
        cpu: round(pods * w.cpuPerPod),
        memoryGiB: round(pods * w.memoryGiBPerPod),
        storageGiB: round(pods * w.storageGiBPerPod + w.sharedStorageGiB),
    };
}

/** Per app and in total: the rows' figures added up, and each app's RDS instances. */
function addUp(rows: { app: string; figures: Totals }[], databases: DatabaseCapacity[]): { apps: Record<string, AppTotals>; total: AppTotals } {
    const empty = (): AppTotals => ({ pods: 0, cpu: 0, memoryGiB: 0, storageGiB: 0, rdsInstances: 0, rdsStorageGiB: 0 });
    const apps: Record<string, AppTotals> = {};
    const total = empty();
    for (const { app: name, figures: row } of rows) {
        const app = (apps[name] ??= empty());
        for (const target of [app, total]) {
            target.pods += row.pods;
            target.cpu = round(target.cpu + row.cpu);
            target.memoryGiB = round(target.memoryGiB + row.memoryGiB);
            target.storageGiB = round(target.storageGiB + row.storageGiB);
        }
    }
    for (const db of databases) {
        const app = (apps[db.app] ??= empty());
        for (const target of [app, total]) {
            target.rdsInstances += 1;
            target.rdsStorageGiB += db.allocatedStorageGiB;
        }
    }
    return { apps, total };
}

export function summarize(stack: string, workloads: WorkloadCapacity[], databases: DatabaseCapacity[]): CapacitySummary {
    const rows = workloads.map((w) => ({ ...w, ...figures(w, w.replicas), atMax: figures(w, w.maxReplicas ?? w.replicas) }));
    const atMin = addUp(
        rows.map((r) => ({ app: r.app, figures: r })),
        databases,
    );
    const atMax = addUp(
        rows.map((r) => ({ app: r.app, figures: r.atMax })),
        databases,
    );
    return { stack, workloads: rows, databases, apps: atMin.apps, total: atMin.total, atMax };
}
