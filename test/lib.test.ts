/**
 * lib/ on its own: capacity arithmetic, Clair's config document and connstrings, ClamAV's
 * config files, RDS parameter families. Expected values are worked out here by hand.
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { clairAlerts, workloadsNotReady } from "../lib/alerts";
import { podReservation, storageGiB, summarize, type WorkloadCapacity } from "../lib/capacity";
import { clairConfigDocument, connstring, renderClairConfig, type ClairConnection, type ClairConfigInput } from "../lib/clair-config";
import { CLAMAV_DB_DIR, CLAMD_PORT, clamdConf, freshclamConf, mirrorUpdaterConf, renderClamavConf } from "../lib/clamav-conf";
import { mirrorNginxConf, renderNginxConf } from "../lib/nginx-conf";
import { parameterGroupFamily } from "../lib/rds";

describe("lib/capacity", () => {
    it("reserves the sum of a pod's containers, or its largest init container when that is more", () => {
        const r = (cpu: string, memory: string) => ({ cpu, memory });
        assert.deepEqual(podReservation([r("2", "2Gi"), r("500m", "512Mi")]), { cpu: 2.5, memoryGiB: 2.5 });
        // Init containers run one at a time before the others: the largest one counts, not their sum.
        assert.deepEqual(podReservation([r("1", "4Gi")], [r("500m", "1Gi"), r("500m", "1Gi")]), { cpu: 1, memoryGiB: 4 });
        assert.deepEqual(podReservation([r("100m", "128Mi")], [r("2", "1Gi")]), { cpu: 2, memoryGiB: 1 });
        assert.deepEqual(podReservation([r("100m", "128Mi")], [r("50m", "2Gi")]), { cpu: 0.1, memoryGiB: 2 });
        assert.deepEqual(podReservation([]), { cpu: 0, memoryGiB: 0 });
    });

    it("converts sizes to GiB and refuses what is not a quantity", () => {
        assert.equal(storageGiB("100Gi"), 100);
        assert.equal(storageGiB("512Mi"), 0.5);
        assert.equal(storageGiB("1Ti"), 1024);
        assert.throws(() => storageGiB("lots"), /lots is not a quantity/);
    });

    it("multiplies per-pod figures by replicas, adds shared claims, and totals per app and overall", () => {
        const w = (name: string, app: string, replicas: number, cpu: number, mem: number, storage: number, shared = 0): WorkloadCapacity => ({
            name,
            app,
            kind: "Deployment",
            replicas,
            cpuPerPod: cpu,
            memoryGiBPerPod: mem,
            storageGiBPerPod: storage,
            sharedStorageGiB: shared,
        });
        const summary = summarize(
            "prod",
            [w("a", "clair", 40, 2, 2, 100), w("b", "clair", 10, 2, 2, 0), w("c", "malwar", 1, 0.5, 0.5, 0, 1), w("d", "clamav", 3, 0.1, 0.2, 0)],
            [
                { name: "db1", app: "clair", instanceClass: "db.m6g.xlarge", allocatedStorageGiB: 100 },
                { name: "db2", app: "clair", instanceClass: "db.m6g.xlarge", allocatedStorageGiB: 100 },
                { name: "db3", app: "malwar", instanceClass: "db.m6g.large", allocatedStorageGiB: 20 },
            ],
        );
        assert.equal(summary.stack, "prod");
        assert.deepEqual(
            summary.workloads.map((r) => [r.name, r.pods, r.cpu, r.memoryGiB, r.storageGiB]),
            [
                ["a", 40, 80, 80, 4000],
                ["b", 10, 20, 20, 0],
                ["c", 1, 0.5, 0.5, 1],
                // 3 x 0.1 is 0.30000000000000004 in floating point: rounded to 0.3.
                ["d", 3, 0.3, 0.6, 0],
            ],
        );
        assert.deepEqual(summary.apps.clair, { pods: 50, cpu: 100, memoryGiB: 100, storageGiB: 4000, rdsInstances: 2, rdsStorageGiB: 200 });
        assert.deepEqual(summary.apps.malwar, { pods: 1, cpu: 0.5, memoryGiB: 0.5, storageGiB: 1, rdsInstances: 1, rdsStorageGiB: 20 });
        assert.deepEqual(summary.apps.clamav, { pods: 3, cpu: 0.3, memoryGiB: 0.6, storageGiB: 0, rdsInstances: 0, rdsStorageGiB: 0 });
        assert.deepEqual(summary.total, { pods: 54, cpu: 100.8, memoryGiB: 101.1, storageGiB: 4001, rdsInstances: 3, rdsStorageGiB: 220 });
        assert.equal(summary.databases.length, 3);
    });

    it("keeps real fractions: 1.0005 stays, float noise goes", () => {
        const w: WorkloadCapacity = {
            name: "x",
            app: "x",
            kind: "Deployment",
            replicas: 1,
            cpuPerPod: 0.125,
            memoryGiBPerPod: 0.0625,
            storageGiBPerPod: 0,
            sharedStorageGiB: 0,
        };
        const s = summarize("s", [w], []);
        assert.deepEqual([s.total.cpu, s.total.memoryGiB], [0.125, 0.063]);
    });
});

describe("lib/clair-config", () => {
    const connection = (overrides: Partial<ClairConnection> = {}): ClairConnection => ({
        host: "clair-indexer-prod.c0.us-east-1.rds.amazonaws.com",
        port: 5432,
        dbName: "clair",
        user: "clair",
        password: "s3cret",
        sslMode: "verify-full",
        poolMaxConns: 32,
        ...overrides,
    });

    it("writes a libpq keyword/value connstring in a fixed order", () => {
        assert.equal(
            connstring(connection()),
            "host=clair-indexer-prod.c0.us-east-1.rds.amazonaws.com port=5432 dbname=clair user=clair password=s3cret sslmode=verify-full pool_max_conns=32",
        );
        assert.equal(
            connstring(connection({ sslRootCert: "/var/run/certs/database-ca.pem" })),
            "host=clair-indexer-prod.c0.us-east-1.rds.amazonaws.com port=5432 dbname=clair user=clair password=s3cret sslmode=verify-full sslrootcert=/var/run/certs/database-ca.pem pool_max_conns=32",
        );
    });

    it("quotes a value with any other character, escaping quotes and backslashes as libpq reads them", () => {
        assert.equal(
            connstring(connection({ password: "a b" }))
                .split(" password=")[1]
                .split(" sslmode")[0],
            "'a b'",
        );
        assert.match(connstring(connection({ password: "it's" })), / password='it\\'s' /);
        assert.match(connstring(connection({ password: "back\\slash" })), / password='back\\\\slash' /);
        assert.match(connstring(connection({ password: "" })), / password='' /);
        // Characters libpq takes bare stay bare.
        assert.match(connstring(connection({ password: "A-z_0.9/:" })), / password=A-z_0\.9\/: /);
    });

    const input: ClairConfigInput = {
        logLevel: "info",
        httpPort: 8080,
        introspectionPort: 8089,
        indexer: { connection: connection(), layerScanConcurrency: 5, indexReportRequestConcurrency: 6, scanLockRetry: 3 },
        matcher: { connection: connection({ host: "m" }), period: "6h", updateRetention: 7 },
        notifier: { connection: connection({ host: "n" }), pollInterval: "5m", deliveryInterval: "1m" },
        indexerAddr: "http://clair-indexer.ns.svc:8080/",
        matcherAddr: "http://clair-matcher.ns.svc:8080/",
        pskBase64: "a2V5",
        pskIssuers: ["quay", "clairctl"],
    };

    it("builds the one document every node type reads", () => {
        const doc = clairConfigDocument(input);
        assert.deepEqual(doc, {
            http_listen_addr: ":8080",
            introspection_addr: ":8089",
            log_level: "info",
            indexer: {
                connstring: connstring(connection()),
                migrations: true,
                scanlock_retry: 3,
                layer_scan_concurrency: 5,
                index_report_request_concurrency: 6,
            },
            matcher: {
                connstring: connstring(connection({ host: "m" })),
                migrations: true,
                indexer_addr: "http://clair-indexer.ns.svc:8080/",
                period: "6h",
                update_retention: 7,
            },
            notifier: {
                connstring: connstring(connection({ host: "n" })),
                migrations: true,
                indexer_addr: "http://clair-indexer.ns.svc:8080/",
                matcher_addr: "http://clair-matcher.ns.svc:8080/",
                poll_interval: "5m",
                delivery_interval: "1m",
            },
            auth: { psk: { key: "a2V5", iss: ["quay", "clairctl"] } },
            metrics: { name: "prometheus" },
        });
        const webhook = { target: "https://quay.io/secscan/notification", callback: "https://clair.quay.io/notifier/api/v1/notification/" };
        assert.deepEqual(clairConfigDocument({ ...input, notifier: { ...input.notifier, webhook } }).notifier.webhook, webhook);
        assert.deepEqual(parse(renderClairConfig(input)), doc, "rendered as YAML");
    });
});

describe("lib/clamav-conf", () => {
    it("writes one 'Key value' line per option, yes/no for booleans, the key repeated for lists", () => {
        assert.equal(
            renderClamavConf({ Foreground: true, LogVerbose: false, TCPSocket: 3310, DatabaseMirror: ["a.example", "b.example"] }),
            "Foreground yes\nLogVerbose no\nTCPSocket 3310\nDatabaseMirror a.example\nDatabaseMirror b.example\n",
        );
        assert.equal(renderClamavConf({}), "\n");
    });

    it("refuses an option name ClamAV would not read, and a value with a line break", () => {
        assert.throws(() => renderClamavConf({ "Bad Key": 1 }), /invalid ClamAV option name Bad Key/);
        assert.throws(() => renderClamavConf({ "1Key": 1 }), /invalid ClamAV option name 1Key/);
        assert.throws(() => renderClamavConf({ PidFile: "/tmp/x\nUser root" }), /ClamAV option PidFile has a line break/);
        assert.throws(() => renderClamavConf({ PidFile: ["ok", "x\ry"] }), /line break/);
    });

    it("runs clamd in the foreground on 3310 with its database in the shared directory and no reload", () => {
        assert.equal(CLAMD_PORT, 3310);
        assert.equal(CLAMAV_DB_DIR, "/var/lib/clamav");
        const limits = {
            streamMaxLength: "64M",
            maxScanSize: "256M",
            maxFileSize: "128M",
            maxRecursion: 12,
            maxFiles: 5000,
            maxThreads: 8,
            readTimeout: 60,
            commandReadTimeout: 5,
        };
        assert.deepEqual(clamdConf(limits), {
            // In the foreground, so the container's process is clamd and its logs go to stdout, timed.
            Foreground: true,
            DatabaseDirectory: "/var/lib/clamav",
            // Served to other pods: on every interface, on clamd's port.
            TCPSocket: 3310,
            TCPAddr: "0.0.0.0",
            // The root filesystem is read-only: everything clamd writes goes to /tmp.
            LocalSocket: "/tmp/clamd.sock",
            PidFile: "/tmp/clamd.pid",
            TemporaryDirectory: "/tmp",
            LogTime: true,
            LogVerbose: false,
            // Signatures change only with a new pod: no reload, no second copy in memory.
            SelfCheck: 0,
            ConcurrentDatabaseReload: false,
            // The scan limits, each under its clamd.conf(5) name, as given.
            StreamMaxLength: "64M",
            MaxScanSize: "256M",
            MaxFileSize: "128M",
            MaxRecursion: 12,
            MaxFiles: 5000,
            MaxThreads: 8,
            ReadTimeout: 60,
            CommandReadTimeout: 5,
        });
    });

    it("fetches from the official mirror, or only from a private one", () => {
        const small = { memoryLimit: "1Gi" };
        assert.deepEqual(freshclamConf(small), {
            Foreground: true,
            DatabaseDirectory: "/var/lib/clamav",
            LogTime: true,
            TestDatabases: false,
            DatabaseMirror: "database.clamav.net",
        });
        assert.equal(freshclamConf(small).DatabaseMirror, "database.clamav.net");
        assert.equal(freshclamConf(small).PrivateMirror, undefined);
        const mirrored = freshclamConf(small, "https://mirror.example.com");
        assert.equal(mirrored.PrivateMirror, "https://mirror.example.com");
        assert.equal(mirrored.DatabaseMirror, undefined);
        assert.equal(mirrored.DatabaseDirectory, "/var/lib/clamav");
        assert.equal(mirrored.Foreground, true);
        // A mirror serves whole files: no .cdiff chain for a pod that starts empty.
        assert.equal(mirrored.ScriptedUpdates, false);
    });

    it("the mirror's updater: 1 to 24 checks a day (ClamAV: at most hourly), patches applied and kept compressed", () => {
        const small = { memoryLimit: "1Gi" };
        assert.deepEqual(mirrorUpdaterConf(24, small), {
            Foreground: true,
            DatabaseDirectory: "/var/lib/clamav",
            LogTime: true,
            TestDatabases: false,
            Checks: 24,
            CompressLocalDatabase: true,
            DatabaseMirror: "database.clamav.net",
        });
        assert.equal(mirrorUpdaterConf(1, small).Checks, 1);
        assert.equal(mirrorUpdaterConf(6, small, "https://up.example").PrivateMirror, "https://up.example");
        assert.equal(mirrorUpdaterConf(6, small, "https://up.example").DatabaseMirror, undefined);
        for (const bad of [0, 25, 1.5, -1]) assert.throws(() => mirrorUpdaterConf(bad, small), /must be a whole number from 1 to 24/, String(bad));
    });
});

describe("lib/nginx-conf", () => {
    it("renders simple and block directives, indented by depth", () => {
        assert.equal(
            renderNginxConf([
                { name: "worker_processes", args: [1] },
                { name: "events", block: [{ name: "worker_connections", args: [256] }] },
            ]),
            "worker_processes 1;\nevents {\n    worker_connections 256;\n}\n",
        );
    });

    it("refuses an argument that would need quoting, an empty one and a bad directive name", () => {
        for (const arg of ["a b", "a;b", "{", "}", "#x", "'q'", '"q"', "a\\b", ""]) {
            assert.throws(() => renderNginxConf([{ name: "root", args: [arg] }]), /would need quoting/, JSON.stringify(arg));
        }
        assert.throws(() => renderNginxConf([{ name: "Root", args: ["/x"] }]), /invalid nginx directive name/);
    });

    it("the mirror's server, whole: the database read-only by GET/HEAD, nothing but signature files, /healthz", () => {
        const text = renderNginxConf(mirrorNginxConf({ port: 8080, root: "/var/lib/clamav", tempDir: "/tmp", accessLog: "/dev/stdout" }));
        assert.equal(
            text,
            [
                "worker_processes 1;", // one small pod: one worker
                "pid /tmp/nginx.pid;", // the root filesystem is read-only
                "error_log stderr warn;", // fd 2, no path to open
                "events {",
                "    worker_connections 256;",
                "}",
                "http {",
                "    access_log /dev/stdout;",
                // every temporary path under the writable /tmp
                "    client_body_temp_path /tmp/client_body;",
                "    proxy_temp_path /tmp/proxy;",
                "    fastcgi_temp_path /tmp/fastcgi;",
                "    uwsgi_temp_path /tmp/uwsgi;",
                "    scgi_temp_path /tmp/scgi;",
                "    default_type application/octet-stream;",
                "    sendfile on;",
                "    server_tokens off;",
                "    server {",
                "        listen 8080;",
                "        root /var/lib/clamav;",
                "        autoindex off;", // no listing of the directory
                "        location = /healthz {",
                "            access_log off;", // probes every few seconds would drown the log
                "            return 200;",
                "        }",
                // main/daily/bytecode .cvd/.cld, <db>-<n>.cdiff, .sign; GET (and HEAD) only
                "        location ~ ^/[a-z]+(-[0-9]+)?[.](cvd|cld|cdiff|sign)$ {",
                "            limit_except GET {",
                "                deny all;",
                "            }",
                "        }",
                "        location / {", // anything else (freshclam.dat, mirrors.dat): not found
                "            return 404;",
                "        }",
                "    }",
                "}",
                "",
            ].join("\n"),
        );
    });
});

describe("lib/rds", () => {
    it("names the parameter group family by the major version", () => {
        assert.equal(parameterGroupFamily("16.4"), "postgres16");
        assert.equal(parameterGroupFamily("17"), "postgres17");
        assert.equal(parameterGroupFamily("13.20"), "postgres13");
    });
});

describe("lib/alerts", () => {
    it("workloadsNotReady compares desired with ready pods for each kind it is given, and only those", () => {
        const both = workloadsNotReady("ns", { deployments: ["a", "b"], statefulSets: ["c"] });
        assert.equal(
            both,
            '(kube_deployment_spec_replicas{namespace="ns",deployment=~"a|b"} - kube_deployment_status_replicas_ready{namespace="ns",deployment=~"a|b"}) > 0' +
                " or " +
                '(kube_statefulset_replicas{namespace="ns",statefulset=~"c"} - kube_statefulset_status_replicas_ready{namespace="ns",statefulset=~"c"}) > 0',
        );
        assert.doesNotMatch(workloadsNotReady("ns", { statefulSets: ["c"] }), /deployment/);
        assert.doesNotMatch(workloadsNotReady("ns", { deployments: ["a"], statefulSets: [] }), /statefulset/);
        assert.equal(workloadsNotReady("ns", {}), "");
    });

    it("ClairPodsNotReady watches the indexer StatefulSet and the matcher and notifier Deployments (Clair v4 deployment overview)", () => {
        const expr = clairAlerts("ns", "https://docs.example.com/ops")[0].rules.find((r) => r.alert === "ClairPodsNotReady")!.expr;
        assert.match(expr, /statefulset=~"clair-indexer"/);
        assert.match(expr, /deployment=~"clair-matcher\|clair-notifier"/);
    });
});
