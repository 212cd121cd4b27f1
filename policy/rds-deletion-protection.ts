import { rdsFlagPolicy } from "./lib/rds-flag";

/**
 * A deleted production indexer database costs months of re-indexing. Mandatory on prod;
 * stage runs it as advisory (policy/config.stage.json) so stage databases can be recycled.
 */
export const rdsDeletionProtection = rdsFlagPolicy({
    name: "rds-deletion-protection",
    description:
        "RDS instances have deletion protection on (mandatory in prod, advisory in stage, set per stack in the pack config): losing the indexer database means months of re-indexing.",
    property: "deletionProtection",
    required: true,
    advice: "turn it on",
});
