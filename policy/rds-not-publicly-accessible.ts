import type { ResourceValidationPolicy } from "@pulumi/policy";

/** Only the cluster talks to the databases; a public endpoint is an attack surface for nothing. */
export const rdsNotPubliclyAccessible: ResourceValidationPolicy = {
    name: "rds-not-publicly-accessible",
    description: "RDS instances are not publicly accessible: only the Kubernetes cluster reaches them, through its security group or CIDRs.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:rds/instance:Instance") return;
        if (args.props.publiclyAccessible === true) {
            reportViolation(`RDS instance ${args.props.identifier ?? args.name}: publiclyAccessible is true; the databases must stay private`);
        }
    },
};
