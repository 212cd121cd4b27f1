import type { ResourceValidationPolicy } from "@pulumi/policy";

export interface RdsFlagRule {
    name: string;
    description: string;
    /** The aws.rds.Instance input that must hold `required`. */
    property: "storageEncrypted" | "publiclyAccessible" | "deletionProtection";
    required: boolean;
    /** What to do about it, appended to the message. */
    advice: string;
}

/** A policy that one boolean input of every RDS instance holds the required value (unset counts as wrong). */
export function rdsFlagPolicy(rule: RdsFlagRule): ResourceValidationPolicy {
    return {
        name: rule.name,
        description: rule.description,
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.type !== "aws:rds/instance:Instance") return;
            const value = args.props[rule.property];
            // publiclyAccessible defaults to false, so only an explicit true breaks it.
            const ok = rule.required ? value === true : value !== true;
            if (!ok) {
                reportViolation(`RDS instance ${args.props.identifier ?? args.name}: ${rule.property} is ${JSON.stringify(value ?? "unset")}; ${rule.advice}`);
            }
        },
    };
}
