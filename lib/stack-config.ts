import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseConfig, type PlatformConfig } from "./config";

/** The secret-ness of config keys is only exposed by the runtime's config module. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeConfig: { isConfigSecret?: (key: string) => boolean } = require("@pulumi/pulumi/runtime/config");

/**
 * Reads and validates this stack's config. A mistake stops the program here, before any
 * resource is registered, with one line per problem (RunError: no stack trace).
 */
export function readStackConfig(): PlatformConfig {
    const raw = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(raw).filter((key) => runtimeConfig.isConfigSecret?.(key) ?? false);
    try {
        return parseConfig(raw, secretKeys);
    } catch (err) {
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
