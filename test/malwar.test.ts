import { strict as assert } from "assert";
import { runProgram } from "../tools/mock-run";
import { K8S, object, ofType, rawObject, stackRun } from "./helpers";

describe("Malwar", () => {
    it("runs one pod on SQLite with a retained 1Gi ReadWriteOnce claim at /data and Recreate", async () => {
        const run = await stackRun("prod");
        const claim = rawObject(run, K8S.pvc, "malwar-data");
        assert.equal(claim.retainOnDelete, true);
        // Deleting the namespace would delete the claim with it.
        assert.equal(rawObject(run, "kubernetes:core/v1:Namespace", "clair-production").retainOnDelete, true);
        assert.deepEqual(claim.inputs.spec.accessModes, ["ReadWriteOnce"]);
        assert.equal(claim.inputs.spec.resources.requests.storage, "1Gi");
        const deployment = object(run, K8S.deployment, "malwar");
        assert.equal(deployment.spec.replicas, 1);
        assert.deepEqual(deployment.spec.strategy, { type: "Recreate" });
        const pod = deployment.spec.template.spec;
        assert.ok(pod.containers[0].volumeMounts.some((m: any) => m.mountPath === "/data"));
        assert.ok(pod.volumes.some((v: any) => v.persistentVolumeClaim?.claimName === "malwar-data"));
    });

    it("has the guide's probes and security contexts", async () => {
        const pod = object(await stackRun("prod"), K8S.deployment, "malwar").spec.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(c.livenessProbe, { httpGet: { path: "/api/v1/health", port: "http" }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 });
        assert.deepEqual(c.readinessProbe, { httpGet: { path: "/api/v1/ready", port: "http" }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
        assert.equal(pod.securityContext.fsGroup, 1000);
        assert.equal(c.securityContext.runAsNonRoot, true);
        assert.equal(c.securityContext.runAsUser, 1000);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.ok(c.volumeMounts.some((m: any) => m.mountPath === "/tmp"));
        assert.equal(pod.serviceAccountName, "malwar");
        assert.deepEqual(c.resources.requests, c.resources.limits);
        assert.deepEqual(object(await stackRun("prod"), K8S.service, "malwar").spec.ports, [{ name: "http", port: 8000, targetPort: "http" }]);
    });

    it("passes settings with the env names the app reads, lists as JSON arrays", async () => {
        const run = await runProgram("stage", { sets: { "malwar.webhookUrls": '["https://hooks.example.com/a","https://hooks.example.com/b"]' } });
        const settings = object(run, K8S.configMap, "malwar-settings").data;
        assert.equal(settings.MALWAR_WEBHOOK_URLS, '["https://hooks.example.com/a","https://hooks.example.com/b"]');
        assert.equal(settings.MALWAR_DB_PATH, "/data/malwar.db");
        assert.equal(settings.MALWAR_DB_BACKEND, "sqlite");
        assert.equal(settings.MALWAR_LOG_LEVEL, "INFO");
        const secrets = object(run, K8S.secret, "malwar-secrets").stringData;
        const keys = JSON.parse(secrets.MALWAR_API_KEYS);
        assert.ok(Array.isArray(keys) && keys.length === 1 && keys[0].length === 40, "a generated API key, as a JSON array");
        const env = object(run, K8S.deployment, "malwar").spec.template.spec.containers[0].envFrom;
        assert.deepEqual(env, [{ configMapRef: { name: "malwar-settings" } }, { secretRef: { name: "malwar-secrets" } }]);
    });

    it("switches to PostgreSQL on its own RDS instance, rolling updates and an HPA", async () => {
        const run = await runProgram("prod", {
            sets: { "malwar.database.backend": "postgres", "malwar.database.rds": "true", "malwar.autoscaling.enabled": "true", "malwar.autoscaling.minReplicas": "2", "malwar.autoscaling.maxReplicas": "6" },
        });
        const settings = object(run, K8S.configMap, "malwar-settings").data;
        assert.equal(settings.MALWAR_DB_BACKEND, "postgres");
        assert.equal(settings.MALWAR_DB_PATH, undefined);
        const url = object(run, K8S.secret, "malwar-secrets").stringData.MALWAR_POSTGRES_URL;
        assert.match(url, /^postgresql:\/\/malwar:[A-Za-z0-9]+@malwar-prod\.c0mock0000\.us-east-1\.rds\.amazonaws\.com:5432\/malwar\?sslmode=require$/);
        assert.equal(ofType(run, K8S.pvc).length, 0);
        const deployment = object(run, K8S.deployment, "malwar");
        assert.equal(deployment.spec.replicas, undefined, "the HPA owns replicas");
        assert.equal(deployment.spec.strategy.type, "RollingUpdate");
        const hpa = object(run, K8S.hpa, "malwar");
        assert.equal(hpa.spec.minReplicas, 2);
        assert.equal(hpa.spec.maxReplicas, 6);
        assert.equal(hpa.spec.scaleTargetRef.name, "malwar");
        assert.ok(ofType(run, "aws:rds/instance:Instance").some((i) => i.inputs.identifier === "malwar-prod" && i.inputs.backupRetentionPeriod === 30));
    });

    it("emits an Ingress with class, annotations, hosts and TLS when enabled", async () => {
        const run = await runProgram("stage", {
            sets: {
                "malwar.ingress.enabled": "true",
                "malwar.ingress.className": "nginx",
                "malwar.ingress.hosts": '["malwar.example.com"]',
                "malwar.ingress.tlsSecretName": "malwar-tls",
                "malwar.ingress.annotations": '{"cert-manager.io/cluster-issuer":"letsencrypt-prod"}',
            },
        });
        const ingress = object(run, K8S.ingress, "malwar");
        assert.equal(ingress.spec.ingressClassName, "nginx");
        assert.equal(ingress.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-prod");
        assert.deepEqual(ingress.spec.tls, [{ hosts: ["malwar.example.com"], secretName: "malwar-tls" }]);
        assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, "malwar");
    });
});
