import { strict as assert } from "assert";
import { listStacks, runProgram, type RunOptions } from "../tools/mock-run";
import { AWS, K8S, object, ofType, rawObject, stackRun } from "./helpers";

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

    it("runs as the guide's user (uid 1000, fsGroup 1000) on plain Kubernetes, and sets no IDs on OpenShift", async () => {
        const plain = object(await runProgram("prod", { sets: { "kubernetes.platform": "kubernetes" } }), K8S.deployment, "malwar").spec.template.spec;
        assert.equal(plain.securityContext.fsGroup, 1000);
        assert.equal(plain.containers[0].securityContext.runAsUser, 1000);
        const openshift = object(await stackRun("prod"), K8S.deployment, "malwar").spec.template.spec;
        assert.equal(openshift.securityContext.fsGroup, undefined);
        assert.equal(openshift.containers[0].securityContext.runAsUser, undefined);
    });

    it("has the guide's probes and security contexts", async () => {
        const pod = object(await stackRun("prod"), K8S.deployment, "malwar").spec.template.spec;
        const c = pod.containers[0];
        assert.deepEqual(c.livenessProbe, {
            httpGet: { path: "/api/v1/health", port: "http" },
            initialDelaySeconds: 10,
            periodSeconds: 30,
            timeoutSeconds: 5,
            failureThreshold: 3,
        });
        assert.deepEqual(c.readinessProbe, {
            httpGet: { path: "/api/v1/ready", port: "http" },
            initialDelaySeconds: 5,
            periodSeconds: 10,
            timeoutSeconds: 5,
            failureThreshold: 3,
        });
        assert.equal(c.securityContext.runAsNonRoot, true);
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
        assert.equal(settings.MALWAR_LOG_LEVEL, "INFO");
        const secrets = object(run, K8S.secret, "malwar-secrets").stringData;
        const keys = JSON.parse(secrets.MALWAR_API_KEYS);
        assert.ok(Array.isArray(keys) && keys.length === 1 && keys[0].length === 40, "a generated API key, as a JSON array");
        const env = object(run, K8S.deployment, "malwar").spec.template.spec.containers[0].envFrom;
        assert.deepEqual(env, [{ configMapRef: { name: "malwar-settings" } }, { secretRef: { name: "malwar-secrets" } }]);
    });

    it("refuses PostgreSQL, its own RDS instance, a PostgreSQL URL, a second replica and an HPA, saying why, and registers nothing", async () => {
        // Malwar 0.4.0's API opens SQLite whatever MALWAR_DB_BACKEND says (malwar/api/app.py calls
        // init_db(db_path)); asyncpg is an optional extra. So each of these must stop the preview.
        const why =
            /Malwar 0\.4\.0's API serves from SQLite only: its start-up opens SQLite at MALWAR_DB_PATH whatever MALWAR_DB_BACKEND says, and PostgreSQL's driver \(asyncpg\) is not part of its install/;
        const cases: [RunOptions, RegExp[]][] = [
            [
                { sets: { "malwar.database.backend": "postgres" } },
                [/--set malwar\.database\.backend: scanning-platform:malwar\.database\.backend = "postgres": is not offered; allowed: 'sqlite'\./, why],
            ],
            [
                { sets: { "malwar.database.rds": "true" } },
                [
                    /--set malwar\.database\.rds: scanning-platform:malwar\.database\.rds = true: must be false: an RDS instance for Malwar would sit unused\./,
                    why,
                ],
            ],
            [
                {
                    config: { "scanning-platform:malwarPostgresUrl": "postgresql://malwar:pw-0123456789@db.example.com:5432/malwar" },
                    secretKeys: ["malwarPostgresUrl"],
                },
                [/Pulumi\.prod\.yaml: scanning-platform:malwarPostgresUrl = \[secret\]: is not used; remove it \(pulumi config rm malwarPostgresUrl\)\./, why],
            ],
            [
                { sets: { "malwar.replicas": "2" } },
                [
                    /malwar\.replicas = 2: must be 0 or 1 \(SQLite on a ReadWriteOnce volume allows one writer, and SQLite is the only store Malwar 0\.4\.0 serves from\)/,
                ],
            ],
            [
                { sets: { "malwar.autoscaling.enabled": "true" } },
                [
                    /--set malwar\.autoscaling\.enabled: scanning-platform:malwar\.autoscaling = \{"enabled":true\}: is not a setting: Malwar runs at most one pod \(SQLite on a ReadWriteOnce volume allows one writer/,
                ],
            ],
        ];
        for (const [options, expected] of cases) {
            await assert.rejects(runProgram("prod", options), (err: Error & { resourcesRegistered?: number }) => {
                for (const pattern of expected) assert.match(err.message, pattern);
                assert.ok(!err.message.includes("pw-0123456789"), "the URL's password is not echoed");
                assert.equal(err.resourcesRegistered, 0, "nothing registered");
                return true;
            });
        }
    });

    it("has no RDS instance on any stack, and no HPA or PostgreSQL setting", async () => {
        for (const stack of listStacks()) {
            const run = await stackRun(stack);
            assert.ok(!ofType(run, AWS.instance).some((i) => String(i.inputs.identifier).startsWith("malwar")), stack);
            // Malwar is one SQLite writer: no autoscaler may scale it (the local stack has some for other workloads).
            assert.deepEqual(
                ofType(run, K8S.hpa).filter((h) => h.inputs.spec.scaleTargetRef.name === "malwar"),
                [],
                stack,
            );
            const settings = object(run, K8S.configMap, "malwar-settings").data;
            assert.deepEqual(
                Object.keys(settings).filter((k) => /POSTGRES|DB_BACKEND/.test(k)),
                [],
            );
            assert.ok(!("MALWAR_POSTGRES_URL" in object(run, K8S.secret, "malwar-secrets").stringData));
        }
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
