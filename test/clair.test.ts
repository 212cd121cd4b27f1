import { strict as assert } from "assert";
import { parse } from "yaml";
import { quantitiesEqual } from "../policy/lib/quantity";
import { runProgram } from "../tools/mock-run";
import { AWS, K8S, object, ofType, rawObject, stackRun } from "./helpers";

/** Each stack as the Clair v4 deployment overview describes it. */
const OVERVIEW = {
    prod: { indexer: 40, matcher: 10, notifier: 10, dbClass: "db.m6g.xlarge", host: "clair.quay.io", namespace: "clair-production", cidr: "10.128.0.0/14" },
    stage: { indexer: 4, matcher: 1, notifier: 1, dbClass: "db.m6g.large", host: "clair.stage.quay.io", namespace: "clair-stage", cidr: "10.64.0.0/14" },
};

async function clairConfig(stack: string): Promise<any> {
    const run = await stackRun(stack);
    return parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
}

for (const [stack, expected] of Object.entries(OVERVIEW)) {
    describe(`Clair on the ${stack} stack`, () => {
        it("runs the Clair v4 deployment overview's replica counts: indexer StatefulSet, matcher and notifier Deployments", async () => {
            const run = await stackRun(stack);
            assert.equal(object(run, K8S.statefulSet, "clair-indexer").spec.replicas, expected.indexer);
            assert.equal(object(run, K8S.deployment, "clair-matcher").spec.replicas, expected.matcher);
            assert.equal(object(run, K8S.deployment, "clair-notifier").spec.replicas, expected.notifier);
        });

        it("gives every Clair container 2 CPU / 2Gi with requests equal to limits", async () => {
            const run = await stackRun(stack);
            const specs = [
                object(run, K8S.statefulSet, "clair-indexer"),
                object(run, K8S.deployment, "clair-matcher"),
                object(run, K8S.deployment, "clair-notifier"),
            ];
            for (const workload of specs) {
                const pod = workload.spec.template.spec;
                for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
                    const expected = { cpu: "2", memory: "2Gi", "ephemeral-storage": "1Gi" };
                    assert.deepEqual(c.resources, { requests: expected, limits: expected }, `${workload.metadata.name}/${c.name}`);
                }
            }
        });

        it("mounts a 100Gi gp2 claim per indexer pod at /var/tmp, the layer scratch space", async () => {
            const sts = object(await stackRun(stack), K8S.statefulSet, "clair-indexer");
            const [claim] = sts.spec.volumeClaimTemplates;
            assert.equal(claim.spec.storageClassName, "gp2");
            assert.ok(quantitiesEqual(claim.spec.resources.requests.storage, "100Gi"));
            const clair = sts.spec.template.spec.containers[0];
            assert.ok(clair.volumeMounts.some((m: any) => m.name === claim.metadata.name && m.mountPath === "/var/tmp"));
            assert.ok(clair.env.some((e: any) => e.name === "TMPDIR" && e.value === "/var/tmp"));
            assert.ok(clair.env.some((e: any) => e.name === "CLAIR_MODE" && e.value === "indexer"));
        });

        it("probes the introspection port: startup, readiness /readyz and a different liveness /healthz", async () => {
            const run = await stackRun(stack);
            for (const [type, name] of [
                [K8S.statefulSet, "clair-indexer"],
                [K8S.deployment, "clair-matcher"],
                [K8S.deployment, "clair-notifier"],
            ]) {
                const c = object(run, type, name).spec.template.spec.containers[0];
                assert.equal(c.readinessProbe.httpGet.path, "/readyz");
                assert.equal(c.livenessProbe.httpGet.path, "/healthz");
                assert.equal(c.readinessProbe.httpGet.port, "introspection");
                assert.ok(c.startupProbe, `${name} has a startup probe`);
                assert.notDeepEqual(c.readinessProbe, c.livenessProbe);
                assert.ok(c.ports.some((p: any) => p.containerPort === 8089));
            }
        });

        it("rolls matcher and notifier without dropping below the desired ready count", async () => {
            const run = await stackRun(stack);
            for (const name of ["clair-matcher", "clair-notifier"]) {
                const strategy = object(run, K8S.deployment, name).spec.strategy;
                assert.equal(strategy.type, "RollingUpdate");
                assert.equal(strategy.rollingUpdate.maxUnavailable, 0);
                assert.ok(strategy.rollingUpdate.maxSurge >= 1);
            }
        });

        it("mounts one config Secret in every Clair pod and rolls the pods when it changes", async () => {
            const run = await stackRun(stack);
            const sums = new Set<string>();
            for (const [type, name, mode] of [
                [K8S.statefulSet, "clair-indexer", "indexer"],
                [K8S.deployment, "clair-matcher", "matcher"],
                [K8S.deployment, "clair-notifier", "notifier"],
            ]) {
                const template = object(run, type, name).spec.template;
                assert.ok(template.spec.volumes.some((v: any) => v.secret?.secretName === "clair-config"));
                assert.ok(template.spec.containers[0].env.some((e: any) => e.name === "CLAIR_CONF" && e.value === "/etc/clair/config.yaml"));
                assert.ok(template.spec.containers[0].env.some((e: any) => e.name === "CLAIR_MODE" && e.value === mode));
                assert.match(template.metadata.annotations["checksum/clair-config"], /^[0-9a-f]{64}$/);
                sums.add(template.metadata.annotations["checksum/clair-config"]);
            }
            assert.equal(sums.size, 1, "one file, one checksum");
            const changed = await runProgram(stack, { sets: { "clair.logLevel": "debug" } });
            const after = object(changed, K8S.deployment, "clair-matcher").spec.template.metadata.annotations["checksum/clair-config"];
            assert.ok(!sums.has(after), "a config change changes the checksum");
        });

        it("writes a config with each node's own database, service URLs, PSK issuers and metrics", async () => {
            const cfg = await clairConfig(stack);
            assert.deepEqual(Object.keys(cfg).sort(), [
                "auth",
                "http_listen_addr",
                "indexer",
                "introspection_addr",
                "log_level",
                "matcher",
                "metrics",
                "notifier",
            ]);
            for (const mode of ["indexer", "matcher", "notifier"]) {
                assert.match(cfg[mode].connstring, new RegExp(`host=clair-${mode}-${stack}\\.`));
                assert.match(cfg[mode].connstring, /dbname=clair /);
                assert.match(cfg[mode].connstring, /sslmode=verify-full/);
                assert.match(cfg[mode].connstring, /pool_max_conns=\d+/);
                assert.equal(cfg[mode].migrations, true);
            }
            assert.equal(cfg.matcher.indexer_addr, `http://clair-indexer.${expected.namespace}.svc:8080/`);
            assert.equal(cfg.notifier.indexer_addr, `http://clair-indexer.${expected.namespace}.svc:8080/`);
            assert.equal(cfg.notifier.matcher_addr, `http://clair-matcher.${expected.namespace}.svc:8080/`);
            assert.deepEqual(cfg.auth.psk.iss, ["quay", "clairctl"]);
            assert.ok(Buffer.from(cfg.auth.psk.key, "base64").length >= 32);
            assert.deepEqual(cfg.metrics, { name: "prometheus" });
            assert.equal(cfg.introspection_addr, ":8089");
            assert.equal(cfg.http_listen_addr, ":8080");
            assert.deepEqual(cfg.notifier.webhook, {
                target: `https://${expected.host.replace(/^clair\./, "")}/secscan/notification`,
                callback: `https://${expected.host}/notifier/api/v1/notification/`,
            });
        });

        it("writes the matcher's update_retention: 10 update operations per updater, Clair's own default, never left to Clair", async () => {
            // Clair v4.8.0 config/defaults.go DefaultUpdateRetention = 10; an absent key decodes as 0,
            // which only Clair's validation turns into 10: written out, GC does not hang on that step.
            assert.equal((await clairConfig(stack)).matcher.update_retention, 10);
        });

        it("writes the indexer's request limit, 8 (4 per core of its 2 CPUs, Clair's own sizing), and scanlock_retry 1, Clair's default", async () => {
            // Clair v4.8.0: 0 means GOMAXPROCS x 4 (config/indexer.go) with GOMAXPROCS from the pod's
            // CPU quota (initialize/auto); DefaultScanLockRetry = 1 (config/defaults.go).
            const cfg = await clairConfig(stack);
            assert.equal(cfg.indexer.index_report_request_concurrency, 8);
            assert.equal(cfg.indexer.scanlock_retry, 1);
        });

        it("sizes pool_max_conns so that every pod at peak fits in the instance's max_connections", async () => {
            const run = await stackRun(stack);
            const cfg = await clairConfig(stack);
            // RDS's default max_connections, LEAST(DBInstanceClassMemory / 9531392, 5000), with about
            // 90% of the class memory usable: db.m6g.large has 8 GiB, db.m6g.xlarge 16 GiB (AWS).
            const memoryGiB = { "db.m6g.large": 8, "db.m6g.xlarge": 16 }[expected.dbClass]!;
            const maxConnections = Math.min(Math.floor((memoryGiB * 2 ** 30 * 0.9) / 9531392), 5000);
            assert.equal(maxConnections, { "db.m6g.large": 811, "db.m6g.xlarge": 1622 }[expected.dbClass]);
            // clair.database.rds.reservedConnections: the documented default (docs/configuration.md).
            const reserved = 20;
            for (const mode of ["indexer", "matcher", "notifier"] as const) {
                const pool = Number(/pool_max_conns=(\d+)/.exec(cfg[mode].connstring)![1]);
                const workload = object(run, mode === "indexer" ? K8S.statefulSet : K8S.deployment, `clair-${mode}`);
                // At peak a rolling Deployment runs maxSurge extra pods; a StatefulSet replaces pods one by one.
                const surge = mode === "indexer" ? 0 : workload.spec.strategy.rollingUpdate.maxSurge;
                if (mode !== "indexer") assert.equal(surge, 1, `${mode} surges by one pod`);
                const peak = expected[mode] + surge;
                assert.equal(
                    workload.metadata.annotations["clair.scanning-platform/pool-max-conns"],
                    String(pool),
                    "the annotation the policy pack reads is the config's pool",
                );
                assert.equal(workload.metadata.annotations["clair.scanning-platform/database"], `clair-${mode}-${stack}`);
                assert.ok(peak * pool <= maxConnections - reserved, `${mode}: ${peak} x ${pool} within ${maxConnections} - ${reserved}`);
                // And the pool is not needlessly small: one more connection per pod would not fit, or the ceiling (32) holds it.
                assert.ok(pool === 32 || peak * (pool + 1) > maxConnections - reserved, `${mode}: pool ${pool} could be larger`);
                const params = ofType(run, AWS.parameterGroup)
                    .map((r) => r.inputs)
                    .find((p) => p.name === `clair-${mode}-${stack}-postgres16-params`)!;
                assert.ok(params.parameters.some((p: any) => p.name === "max_connections" && Number(p.value) === maxConnections));
            }
        });

        it("creates one encrypted, private RDS PostgreSQL per node type with 30 days of daily backups", async () => {
            const run = await stackRun(stack);
            const instances = ofType(run, AWS.instance);
            assert.equal(instances.length, 3);
            for (const mode of ["indexer", "matcher", "notifier"]) {
                const db = instances.find((i) => i.inputs.identifier === `clair-${mode}-${stack}`)!;
                assert.ok(db, `clair-${mode}-${stack}`);
                const inputs = db.inputs;
                assert.equal(inputs.engine, "postgres");
                assert.equal(inputs.instanceClass, expected.dbClass);
                assert.equal(inputs.dbName, "clair");
                assert.equal(inputs.backupRetentionPeriod, 30);
                assert.match(inputs.backupWindow, /^\d\d:\d\d-\d\d:\d\d$/);
                assert.equal(inputs.storageEncrypted, true);
                assert.equal(inputs.publiclyAccessible, false);
                const params = ofType(run, AWS.parameterGroup).find((p) => p.inputs.name === inputs.parameterGroupName)!;
                assert.ok(
                    params.inputs.parameters.some((p: any) => p.name === "rds.force_ssl" && p.value === "1"),
                    "TLS enforced",
                );
                if (stack === "prod") {
                    assert.equal(inputs.deletionProtection, true);
                    assert.equal(inputs.skipFinalSnapshot, false);
                    assert.equal(inputs.finalSnapshotIdentifier, `clair-${mode}-prod-final`);
                    assert.equal(db.protect, true, "Pulumi protect");
                } else {
                    assert.equal(db.protect, false);
                }
            }
        });

        it("admits PostgreSQL only from the configured cluster networks", async () => {
            const run = await stackRun(stack);
            const rules = ofType(run, AWS.ingressRule).map((r) => r.inputs);
            assert.deepEqual(
                rules.map((r) => [r.cidrIpv4, r.ipProtocol, r.fromPort, r.toPort]),
                [[expected.cidr, "tcp", 5432, 5432]],
            );
            assert.equal(ofType(run, AWS.subnetGroup).length, 1);
        });

        it("routes /indexer, /matcher and /notifier on one host with edge TLS and a 5m indexer timeout", async () => {
            const run = await stackRun(stack);
            const routes = ofType(run, K8S.route).map((r) => r.inputs);
            assert.equal(routes.length, 3);
            for (const mode of ["indexer", "matcher", "notifier"]) {
                const route = routes.find((r) => r.metadata.name === `clair-${mode}`)!;
                assert.equal(route.spec.host, expected.host);
                assert.equal(route.spec.path, `/${mode}`);
                assert.deepEqual(route.spec.to, { kind: "Service", name: `clair-${mode}`, weight: 100 });
                assert.deepEqual(route.spec.tls, { termination: "edge", insecureEdgeTerminationPolicy: "Redirect" });
            }
            const indexer = routes.find((r) => r.metadata.name === "clair-indexer")!;
            assert.equal(indexer.metadata.annotations["haproxy.router.openshift.io/timeout"], "5m");
            assert.equal(indexer.metadata.annotations["haproxy.router.openshift.io/disable_cookies"], "true");
            assert.equal(ofType(run, K8S.ingress).length, 0);
        });
    });
}

describe("Clair options", () => {
    it("emits an Ingress with the same path routing instead of Routes when exposure is 'ingress'", async () => {
        const run = await runProgram("prod", { sets: { "clair.exposure": "ingress", "clair.tlsSecretName": "clair-tls" } });
        assert.equal(ofType(run, K8S.route).length, 0);
        const ingress = object(run, K8S.ingress, "clair");
        assert.equal(ingress.spec.rules[0].host, "clair.quay.io");
        assert.deepEqual(
            ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name]),
            [
                ["/indexer", "clair-indexer"],
                ["/matcher", "clair-matcher"],
                ["/notifier", "clair-notifier"],
            ],
        );
        assert.deepEqual(ingress.spec.tls, [{ hosts: ["clair.quay.io"], secretName: "clair-tls" }]);
    });

    it("mounts a configured database CA bundle and names it in the connstrings", async () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const run = await runProgram("stage", { sets: { "clair.database.caBundle": pem } });
        assert.equal(object(run, K8S.configMap, "clair-database-ca").data["database-ca.pem"], pem);
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.match(cfg.indexer.connstring, /sslrootcert=\/var\/run\/certs\/database-ca\.pem/);
        const pod = object(run, K8S.deployment, "clair-matcher").spec.template.spec;
        assert.ok(pod.volumes.some((v: any) => v.configMap?.name === "clair-database-ca"));
    });

    it("writes clair.matcher.updateRetention as the matcher's update_retention", async () => {
        const run = await runProgram("stage", { sets: { "clair.matcher.updateRetention": "3" } });
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.equal(cfg.matcher.update_retention, 3);
    });

    it("takes the boundaries Clair v4.8.0 keeps as written: updateRetention 2 (its minimum, config/matcher.go) and scanlockRetry 10 (the largest without its lint warning, config/indexer.go)", async () => {
        const run = await runProgram("stage", { sets: { "clair.matcher.updateRetention": "2", "clair.indexer.scanlockRetry": "10" } });
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.equal(cfg.matcher.update_retention, 2);
        assert.equal(cfg.indexer.scanlock_retry, 10);
    });

    it("writes clair.matcher.updateRetention 0 (garbage collection off) as a value Clair v4.8.0 reads as off", async () => {
        // Clair v4.8.0 config/matcher.go validate: a negative update_retention is GC off, while a
        // written 0 or 1 is raised to the default of 10, so the file must not say 0.
        const run = await runProgram("stage", { sets: { "clair.matcher.updateRetention": "0" } });
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.equal(typeof cfg.matcher.update_retention, "number");
        assert.ok(cfg.matcher.update_retention < 0, `update_retention ${cfg.matcher.update_retention} is negative`);
    });

    it("writes clair.indexer.indexReportRequestConcurrency and scanlockRetry into the indexer section", async () => {
        const run = await runProgram("stage", { sets: { "clair.indexer.indexReportRequestConcurrency": "3", "clair.indexer.scanlockRetry": "7" } });
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.equal(cfg.indexer.index_report_request_concurrency, 3);
        assert.equal(cfg.indexer.scanlock_retry, 7);
    });

    it("sizes the indexer's request limit from its CPU when unset: 4 per whole core, at least 4", async () => {
        const at = async (cpu: string) => {
            const run = await runProgram("stage", { sets: { "clair.indexer.resources.requests.cpu": cpu, "clair.indexer.resources.limits.cpu": cpu } });
            return parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]).indexer.index_report_request_concurrency;
        };
        assert.equal(await at("3"), 12);
        // 2.5 cores is a quota of 2 whole cores for Clair's GOMAXPROCS; under one core it counts one.
        assert.equal(await at("2500m"), 8);
        assert.equal(await at("500m"), 4);
    });

    it("uses the PSK from secret config instead of generating one", async () => {
        const psk = Buffer.alloc(32, 9).toString("base64");
        const run = await runProgram("stage", { config: { "scanning-platform:clairPsk": psk }, secretKeys: ["clairPsk"] });
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        assert.equal(cfg.auth.psk.key, psk);
        assert.equal(ofType(run, "random:index/randomBytes:RandomBytes").length, 0);
    });

    it("runs PostgreSQL in the cluster on the local stack, with the same config shape", async () => {
        const run = await stackRun("local");
        assert.equal(ofType(run, AWS.instance).length, 0);
        const cfg = parse(object(run, K8S.secret, "clair-config").stringData["config.yaml"]);
        for (const mode of ["indexer", "matcher", "notifier"]) {
            assert.match(cfg[mode].connstring, new RegExp(`host=clair-${mode}-db\\.scanning-local\\.svc `));
            const db = object(run, K8S.statefulSet, `clair-${mode}-db`);
            assert.ok(db.spec.template.spec.containers[0].args.includes("max_connections=200"));
        }
        assert.deepEqual(Object.keys(cfg).sort(), Object.keys(await clairConfig("prod")).sort());
        assert.equal(rawObject(run, K8S.deployment, "clair-matcher").inputs.metadata.annotations["clair.scanning-platform/database"], "clair-matcher-db");
    });
});
