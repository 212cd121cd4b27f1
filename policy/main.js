"use strict";
/**
 * The pack's entry point for the Pulumi engine (package.json "main").
 *
 * @pulumi/pulumi's run-policy-pack registers ts-node with `typeCheck: true` for every pack it
 * starts under Node.js, whatever PULUMI_NODEJS_TRANSPILE_ONLY or the runtime options say, so each
 * `pulumi preview` and `pulumi up` type-checked the whole pack before its first policy ran.
 * Type-checking is `npm run build`'s job (CI runs it on every change). Here the `.ts` loader
 * ts-node installed is replaced with ts-node's transpile-only compile of the same files, with
 * this folder's tsconfig.json, and the pack is loaded from index.ts as before.
 */
const fs = require("fs");
const path = require("path");
const tsNode = require("ts-node");

const service = tsNode.create({ transpileOnly: true, project: path.join(__dirname, "tsconfig.json") });
require.extensions[".ts"] = (module, filename) => {
    module._compile(service.compile(fs.readFileSync(filename, "utf8"), filename), filename);
};

require("./index.ts");
