/** Small, valid objects that each test breaks in one place. */
export const container = (name: string, overrides: Record<string, unknown> = {}) => ({
    name,
    image: "quay.io/projectquay/clair:4.8.0",
    resources: { requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } },
    securityContext: { runAsNonRoot: true, runAsUser: 65534 },
    ...overrides,
});

export const podSpec = (containers: any[], initContainers: any[] = []) => ({ containers, ...(initContainers.length ? { initContainers } : {}) });

export const deployment = (spec: any, name = "app") => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: { replicas: 1, template: { spec } },
});

export const rdsInstance = (overrides: Record<string, unknown> = {}) => ({
    identifier: "clair-indexer-prod",
    engine: "postgres",
    instanceClass: "db.m6g.xlarge",
    backupRetentionPeriod: 30,
    backupWindow: "03:00-04:00",
    storageEncrypted: true,
    publiclyAccessible: false,
    deletionProtection: true,
    ...overrides,
});
