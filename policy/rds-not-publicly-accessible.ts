import { rdsFlagPolicy } from "./lib/rds-flag";

/** Only the cluster talks to the databases; a public endpoint is an attack surface for nothing. */
export const rdsNotPubliclyAccessible = rdsFlagPolicy({
    name: "rds-not-publicly-accessible",
    description: "RDS instances are not publicly accessible: only the Kubernetes cluster reaches them, through its security group or CIDRs.",
    property: "publiclyAccessible",
    required: false,
    advice: "the databases must stay private",
});
