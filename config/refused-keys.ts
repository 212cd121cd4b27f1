/**
 * Keys the schema does not have but a user may well write: each is refused with its reason
 * instead of a bare "unknown key", so the stack file says why the setting is not there.
 */
import { MALWAR_ONE_WRITER } from "./malwar";

export const REFUSED_KEYS: Record<string, string> = {
    "malwar.autoscaling": `is not a setting: Malwar runs at most one pod (${MALWAR_ONE_WRITER}), so no autoscaler is made and nothing would read it; remove the key (malwar.replicas is 0 or 1)`,
};
