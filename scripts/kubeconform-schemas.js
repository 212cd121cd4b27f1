#!/usr/bin/env node
/*
 * Writes kubeconform's schema layout from a Kubernetes OpenAPI v2 document and CRD files:
 *
 *   node scripts/kubeconform-schemas.js --swagger swagger.json --version v1.33.13 \
 *        --out DIR [--crd crd.yaml ...]
 *
 *   DIR/<version>-standalone/<kind>-<group>-<version>.json          (core group: <kind>-<version>.json)
 *   DIR/<version>-standalone-strict/<kind>-<group>-<version>.json   (additionalProperties: false)
 *
 * matching kubeconform's template
 *   {{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json
 * where <group> is the first dot-separated part of the API group (rbac.authorization.k8s.io -> rbac).
 *
 * Each file is self-contained: the kind's definition at the root and every definition it reaches
 * under "definitions" (the document's own "#/definitions/..." references are kept), so
 * recursive types (JSONSchemaProps) need no special case. Adjustments, as the API server decodes:
 *   - IntOrString (format int-or-string, or x-kubernetes-int-or-string) -> string or integer;
 *   - Quantity -> string or number (the API server accepts `cpu: 1`);
 *   - strict variant: every schema with "properties" and no "additionalProperties" gets
 *     additionalProperties: false (kubectl's strict validation), except where a CRD says
 *     x-kubernetes-preserve-unknown-fields.
 * A CRD's `metadata` (usually just `type: object`) is replaced by the core ObjectMeta definition.
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { parseAllDocuments } = require("yaml");

function parseArgs(argv) {
    const out = { crd: [] };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const v = argv[i + 1];
        if (a === "--swagger") out.swagger = v;
        else if (a === "--version") out.version = v;
        else if (a === "--out") out.out = v;
        else if (a === "--crd") out.crd.push(v);
        else throw new Error(`unknown argument ${a}`);
        i++; // the value just read
    }
    if (!out.swagger || !out.version || !out.out) {
        throw new Error("usage: kubeconform-schemas.js --swagger FILE --version vX.Y.Z --out DIR [--crd FILE ...]");
    }
    return out;
}

const REF = "#/definitions/";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

function clone(x) {
    return JSON.parse(JSON.stringify(x));
}

/** Every definition name reachable from `schema` through "$ref". */
function reachable(schema, defs) {
    const seen = new Set();
    const walk = (node) => {
        if (Array.isArray(node)) return node.forEach(walk);
        if (!node || typeof node !== "object") return;
        for (const [k, v] of Object.entries(node)) {
            if (k === "$ref" && typeof v === "string" && v.startsWith(REF)) {
                const name = v.slice(REF.length);
                if (!defs[name]) throw new Error(`dangling reference ${v}`);
                if (!seen.has(name)) {
                    seen.add(name);
                    walk(defs[name]);
                }
            } else walk(v);
        }
    };
    walk(schema);
    return [...seen].sort();
}

/** Int-or-string and Quantity as the API server decodes them. Returns a new node. */
function adjust(node, name) {
    if (Array.isArray(node)) return node.map((x) => adjust(x));
    if (!node || typeof node !== "object") return node;
    if (name === QUANTITY) {
        return { description: node.description, oneOf: [{ type: "string" }, { type: "number" }] };
    }
    if (node.format === "int-or-string" || node["x-kubernetes-int-or-string"] === true) {
        const { type, format, anyOf, oneOf, ...rest } = node;
        return { ...rest, oneOf: [{ type: "string" }, { type: "integer" }] };
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
        // "properties" and "definitions" are maps of names to schemas: recurse into each value.
        if ((k === "properties" || k === "definitions" || k === "patternProperties") && v && typeof v === "object") {
            out[k] = {};
            for (const [pk, pv] of Object.entries(v)) out[k][pk] = adjust(pv, k === "definitions" ? pk : undefined);
        } else out[k] = adjust(v);
    }
    return out;
}

/** Strict variant: additionalProperties false on every schema with properties. */
function strict(node) {
    if (Array.isArray(node)) return node.forEach(strict);
    if (!node || typeof node !== "object") return;
    if (node.properties && typeof node.properties === "object" && !("additionalProperties" in node) && node["x-kubernetes-preserve-unknown-fields"] !== true) {
        node.additionalProperties = false;
    }
    for (const [k, v] of Object.entries(node)) {
        if (k === "properties" || k === "definitions" || k === "patternProperties") {
            Object.values(v || {}).forEach(strict);
        } else strict(v);
    }
}

function fileName(kind, group, version) {
    const g = group ? `-${group.split(".")[0].toLowerCase()}` : "";
    return `${kind.toLowerCase()}${g}-${version.toLowerCase()}.json`;
}

function main() {
    const args = parseArgs(process.argv.slice(2));
    const doc = JSON.parse(fs.readFileSync(args.swagger, "utf8"));
    const defs = doc.definitions;
    if (!defs) throw new Error(`${args.swagger} has no "definitions": not an OpenAPI v2 document`);
    const docVersion = (doc.info && doc.info.version) || "";
    // The document of k8s.io/kubernetes vX.Y.Z says "unversioned" or "vX.Y.Z"; a live API server's
    // says its git version. Refuse a document that names another minor version.
    const minor = (v) => (v.match(/^v?(\d+\.\d+)/) || [])[1];
    if (minor(docVersion) && minor(docVersion) !== minor(args.version)) {
        throw new Error(`${args.swagger} is for Kubernetes ${docVersion}, not ${args.version}`);
    }

    const schemas = new Map(); // file name -> schema (non-strict)
    const shared = new Map(); // file name -> whether its definition carries several GVKs
    for (const def of Object.values(defs)) {
        const gvks = def["x-kubernetes-group-version-kind"];
        if (!gvks) continue;
        for (const gvk of gvks) {
            const file = fileName(gvk.kind, gvk.group, gvk.version);
            // Several definitions can carry the same GVK (meta/v1 DeleteOptions and WatchEvent list
            // every group): a definition that names only this GVK wins over such a shared one.
            const prev = shared.get(file);
            if (prev !== undefined && !(prev && gvks.length === 1)) continue;
            shared.set(file, gvks.length > 1);
            const root = clone(def);
            const needed = reachable(root, defs);
            if (needed.length) root.definitions = Object.fromEntries(needed.map((n) => [n, clone(defs[n])]));
            schemas.set(file, root);
        }
    }

    let crds = 0;
    for (const crdFile of args.crd) {
        for (const d of parseAllDocuments(fs.readFileSync(crdFile, "utf8"))) {
            const crd = d.toJS();
            if (!crd || crd.kind !== "CustomResourceDefinition") continue;
            for (const v of crd.spec.versions || []) {
                const s = v.schema && v.schema.openAPIV3Schema;
                if (!s) throw new Error(`${crdFile}: version ${v.name} has no openAPIV3Schema`);
                const root = clone(s);
                root.properties = root.properties || {};
                root.properties.metadata = { $ref: REF + OBJECT_META };
                root.definitions = Object.fromEntries(reachable(root, defs).map((n) => [n, clone(defs[n])]));
                schemas.set(fileName(crd.spec.names.kind, crd.spec.group, v.name), root);
                crds++;
            }
        }
    }

    const dirs = {
        standalone: path.join(args.out, `${args.version}-standalone`),
        strict: path.join(args.out, `${args.version}-standalone-strict`),
    };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
    for (const [file, schema] of schemas) {
        const loose = adjust(schema);
        fs.writeFileSync(path.join(dirs.standalone, file), JSON.stringify(loose));
        const tight = clone(loose);
        strict(tight);
        fs.writeFileSync(path.join(dirs.strict, file), JSON.stringify(tight));
    }
    console.log(
        `wrote ${schemas.size} schemas (${crds} from CRDs) for Kubernetes ${args.version} ` + `(document version ${docVersion || "unknown"}) into ${args.out}`,
    );
}

try {
    main();
} catch (err) {
    console.error(`kubeconform-schemas: ${err.message}`);
    process.exit(1);
}
