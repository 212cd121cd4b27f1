/**
 * How often the kubelet asks Malwar's /api/v1/ready. Malwar's rate limiter counts these requests
 * (they carry no API key) against the node's address, so the config's per-IP floor follows it.
 */
export const MALWAR_READINESS_PERIOD_SECONDS = 10;
