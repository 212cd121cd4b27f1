/**
 * Clair's node types, their names, and their connection pools: every pod that can run at once
 * (replicas plus the rolling-update surge) opens a full pool, and all of them must fit in the
 * database's max_connections less a reserve. The config layer plans them once (config/clair.ts)
 * and Clair uses the plan as is.
 */

/** Clair's three node types; each has its own Deployment or StatefulSet and pool. */
export type ClairMode = "indexer" | "matcher" | "notifier";

/** Each node type's Kubernetes name: its workload, its Service and its Route. */
export const CLAIR_NAMES: Record<ClairMode, string> = { indexer: "clair-indexer", matcher: "clair-matcher", notifier: "clair-notifier" };

export const CLAIR_MODES: ClairMode[] = ["indexer", "matcher", "notifier"];

/** Extra pods a matcher/notifier rolling update may start: the pools are sized for them too. */
export const ROLLING_SURGE = 1;

/**
 * Pods of the dedicated updater Deployment (config clair.updaters.dedicated): one, replaced with
 * the Recreate strategy, so never two at once. It opens the matchers' pool to their database.
 */
export const UPDATER_PODS = 1;

/** Smallest pool a Clair pod can work with (one connection for a request, one for background work). */
export const MIN_POOL = 2;

export interface PoolPlan {
    peakPods: number;
    maxConnections: number;
    reserved: number;
    poolMaxConns: number;
}

/** What the plan needs: replicas per node type and the database's connection budget. */
export interface PoolSettings {
    replicas: Record<ClairMode, number>;
    /** Pods of the dedicated updater Deployment (0 without one): they share the matcher database. */
    updaterPods: number;
    maxConnections: number;
    reserved: number;
    ceiling: number;
}

/** pool_max_conns per pod so that every pod at peak fits in max_connections, less a reserve. */
export function poolMaxConns(maxConnections: number, reserved: number, peakPods: number, ceiling: number): number {
    if (peakPods <= 0) return ceiling;
    return Math.min(ceiling, Math.floor((maxConnections - reserved) / peakPods));
}

/** Pools per node type; the StatefulSet (indexer) replaces pods in place, so it has no surge. */
export function planPools(s: PoolSettings): Record<ClairMode, PoolPlan> {
    const plan = {} as Record<ClairMode, PoolPlan>;
    for (const mode of CLAIR_MODES) {
        const peakPods = s.replicas[mode] + (mode === "indexer" ? 0 : ROLLING_SURGE) + (mode === "matcher" ? s.updaterPods : 0);
        plan[mode] = {
            peakPods,
            maxConnections: s.maxConnections,
            reserved: s.reserved,
            poolMaxConns: poolMaxConns(s.maxConnections, s.reserved, peakPods, s.ceiling),
        };
    }
    return plan;
}
