import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ROUTE_TYPE } from "./route-host-and-tls";

const TIMEOUT = "haproxy.router.openshift.io/timeout";

/**
 * Quay's index request stays open while the indexer downloads and scans every layer; the
 * router's 30 s default would cut large images off.
 */
export const clairIndexerRouteTimeout: ResourceValidationPolicy = {
    name: "clair-indexer-route-timeout",
    description:
        "A Route to the Clair indexer carries the haproxy timeout annotation (the program sets 5m), since one index request lasts as long as the layer downloads.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: { indexerService: { type: "string", default: "clair-indexer" } },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== ROUTE_TYPE) return;
        const { indexerService } = args.getConfig<{ indexerService: string }>();
        if (args.props.spec?.to?.name !== indexerService) return;
        const name = args.props.metadata?.name ?? args.name;
        const timeout = args.props.metadata?.annotations?.[TIMEOUT];
        if (!timeout) {
            reportViolation(`Route ${name} to ${indexerService}: annotation ${TIMEOUT} is missing (the program sets 5m)`);
        } else if (!/^\d+(ms|s|m|h|d)?$/.test(timeout)) {
            reportViolation(`Route ${name}: annotation ${TIMEOUT} ${JSON.stringify(timeout)} is not a duration such as 5m`);
        }
    },
};
