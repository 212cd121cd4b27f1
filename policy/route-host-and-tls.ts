import type { ResourceValidationPolicy } from "@pulumi/policy";

export const ROUTE_TYPE = "kubernetes:route.openshift.io/v1:Route";

/**
 * Quay expects every Clair API on one named host over HTTPS; a Route without a host gets a
 * generated one, and one without TLS serves plain HTTP on the public router.
 */
export const routeHostAndTls: ResourceValidationPolicy = {
    name: "route-host-and-tls",
    description:
        "Every OpenShift Route names its host and terminates TLS (edge or reencrypt, with insecure traffic redirected or refused): the Clair API is public and carries the PSK-signed JWTs.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== ROUTE_TYPE) return;
        const name = args.props.metadata?.name ?? args.name;
        const spec = args.props.spec ?? {};
        if (!spec.host) reportViolation(`Route ${name}: spec.host is unset; the router would invent a host name Quay does not know`);
        const tls = spec.tls;
        if (!tls?.termination) {
            reportViolation(`Route ${name}: spec.tls is unset; set termination edge or reencrypt`);
        } else if (tls.insecureEdgeTerminationPolicy === "Allow") {
            reportViolation(`Route ${name}: insecureEdgeTerminationPolicy Allow serves plain HTTP; use Redirect or None`);
        }
    },
};
