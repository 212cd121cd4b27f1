import type { ResourceValidationPolicy } from "@pulumi/policy";

/**
 * A deleted production indexer database costs months of re-indexing. Mandatory on prod;
 * stage runs it as advisory (policy/config.stage.json) so stage databases can be recycled.
 */
export const rdsDeletionProtection: ResourceValidationPolicy = {
    name: "rds-deletion-protection",
    description: "RDS instances have deletion protection on (mandatory in prod, advisory in stage, set per stack in the pack config): losing the indexer database means months of re-indexing.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:rds/instance:Instance") return;
        if (args.props.deletionProtection !== true) {
            reportViolation(`RDS instance ${args.props.identifier ?? args.name}: deletionProtection is ${JSON.stringify(args.props.deletionProtection ?? "unset")}; turn it on`);
        }
    },
};
