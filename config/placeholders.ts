/**
 * Example values a committed stack file ships with (network ids in an example account, a
 * cluster context to rename, an OIDC provider ARN in AWS's documentation account), listed by the
 * stack file itself under `scanning-platform:placeholders`. A preview runs with them, so the
 * stack can be reviewed before it is real; a `pulumi up` does not, so nothing is ever created in
 * an example VPC or against an example cluster.
 */
import { z } from "zod";

/** Config keys as `pulumi config set --path` writes them: "network.vpcId", or "kubernetes:context" for another namespace. */
export const placeholdersSchema = z.array(z.string().min(1, { error: "must name a config key, e.g. network.vpcId" })).default([]);

/** The value at a listed key, from the config as the engine passes it ("ns:key" -> string, JSON when structured). */
export function valueAt(raw: Record<string, string>, project: string, key: string): unknown {
    const colon = key.indexOf(":");
    if (colon >= 0) return raw[key];
    const [top, ...rest] = key.split(".");
    let value: unknown = raw[`${project}:${top}`];
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            // A plain string value.
        }
    }
    for (const part of rest) {
        if (value === null || typeof value !== "object") return undefined;
        value = (value as Record<string, unknown>)[part];
    }
    return value;
}

const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));
const fullKey = (project: string, key: string) => (key.includes(":") ? key : `${project}:${key}`);

/**
 * Problems with the placeholder list: at any time, an entry the stack does not set (a typo would
 * otherwise guard nothing); when deploying, every entry still listed.
 */
export function placeholderProblems(
    raw: Record<string, string>,
    project: string,
    listed: string[],
    deploying: boolean,
    origin: (key: string) => string,
): string[] {
    const problems: string[] = [];
    for (const key of listed) {
        const value = valueAt(raw, project, key);
        if (value === undefined) {
            problems.push(
                `${origin("placeholders")}: ${project}:placeholders lists ${key}, which the stack does not set; list only keys whose example values must be replaced`,
            );
        } else if (deploying) {
            problems.push(
                `${origin(key)}: ${fullKey(project, key)} = ${shown(value)}: an example value (listed in ${project}:placeholders); set your own, then remove ${key} from ${project}:placeholders. pulumi preview runs with it, pulumi up does not`,
            );
        }
    }
    return problems;
}
