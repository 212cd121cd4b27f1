import type { Policies } from "@pulumi/policy";
import { clairConnectionPools } from "./clair-connection-pools";
import { clairIndexerRouteTimeout } from "./clair-indexer-route-timeout";
import { clairIndexerStorage } from "./clair-indexer-storage";
import { pinnedImages } from "./pinned-images";
import { openshiftNamespaceIds } from "./openshift-namespace-ids";
import { rdsBackupRetention } from "./rds-backup-retention";
import { rdsDeletionProtection } from "./rds-deletion-protection";
import { rdsNotPubliclyAccessible } from "./rds-not-publicly-accessible";
import { rdsStorageEncrypted } from "./rds-storage-encrypted";
import { requestsEqualLimits } from "./requests-equal-limits";
import { routeHostAndTls } from "./route-host-and-tls";
import { runAsNonRoot } from "./run-as-non-root";

/** Every policy of the pack, in the order the engine reports them. */
export const policies: Policies = [
    requestsEqualLimits,
    rdsBackupRetention,
    rdsStorageEncrypted,
    rdsNotPubliclyAccessible,
    rdsDeletionProtection,
    clairIndexerStorage,
    routeHostAndTls,
    clairIndexerRouteTimeout,
    pinnedImages,
    runAsNonRoot,
    clairConnectionPools,
    openshiftNamespaceIds,
];
