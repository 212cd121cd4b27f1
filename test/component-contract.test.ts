/**
 * The component contract (CONTRIBUTING.md, "Component contract") where the source text shows it:
 * each field of an exported `XArgs` interface has a doc comment of its own (a comment above a
 * group of fields documents only the first), and each component's constructor is
 * `(name: string, args: <Class>Args, opts?: pulumi.ComponentResourceOptions)`, or an options type that
 * extends it (`MalwarOptions`), and ends with `this.registerOutputs(...)`. Read with the
 * TypeScript parser, file by file: no type checker.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

function tsFiles(rel: string): string[] {
    return fs
        .readdirSync(path.join(ROOT, rel), { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? tsFiles(path.posix.join(rel, e.name)) : e.name.endsWith(".ts") ? [path.posix.join(rel, e.name)] : []));
}

const parse = (file: string, text: string): ts.SourceFile => ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);

const exported = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

const lineOf = (sf: ts.SourceFile, node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;

/** Whether a node carries a `/** ... *\/` comment with some text (a bare `//` comment is not one). */
function documented(node: ts.Node): boolean {
    return ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && ts.getTextOfJSDocComment(d.comment)?.trim());
}

/** `file:line Interface.field` for each field of an exported `*Args` interface without a doc comment of its own. */
function undocumentedArgsFields(sf: ts.SourceFile): string[] {
    const found: string[] = [];
    for (const statement of sf.statements) {
        if (!ts.isInterfaceDeclaration(statement) || !exported(statement) || !statement.name.text.endsWith("Args")) continue;
        for (const member of statement.members) {
            if (!documented(member)) found.push(`${sf.fileName}:${lineOf(sf, member)} ${statement.name.text}.${member.name?.getText(sf) ?? "(unnamed)"}`);
        }
    }
    return found;
}

/** The exported interfaces a file declares: name -> the types it extends, as written. */
function exportedInterfaces(sf: ts.SourceFile): Map<string, string[]> {
    const found = new Map<string, string[]>();
    for (const statement of sf.statements) {
        if (!ts.isInterfaceDeclaration(statement) || !exported(statement)) continue;
        const bases = (statement.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(sf)));
        found.set(statement.name.text, bases);
    }
    return found;
}

const COMPONENT_OPTIONS = "pulumi.ComponentResourceOptions";

/**
 * What breaks the contract's signature in each exported class that extends pulumi.ComponentResource,
 * as `file:line Class: problem`. `interfaces` holds the exported interfaces of every file under
 * components/, so the Args type is one of those whose fields the doc-comment check reads.
 */
function signatureProblems(sf: ts.SourceFile, interfaces: Map<string, string[]>): { components: string[]; problems: string[] } {
    const components: string[] = [];
    const problems: string[] = [];
    for (const statement of sf.statements) {
        if (!ts.isClassDeclaration(statement) || !exported(statement) || !statement.name) continue;
        const extendsComponent = (statement.heritageClauses ?? []).some(
            (h) => h.token === ts.SyntaxKind.ExtendsKeyword && h.types.some((t) => t.expression.getText(sf) === "pulumi.ComponentResource"),
        );
        if (!extendsComponent) continue;
        const className = statement.name.text;
        components.push(className);
        const at = (node: ts.Node, problem: string) => problems.push(`${sf.fileName}:${lineOf(sf, node)} ${className}: ${problem}`);
        const ctor = statement.members.find(ts.isConstructorDeclaration);
        if (!ctor || !ctor.body) {
            at(statement, "no constructor");
            continue;
        }
        const [name, args, opts, ...more] = ctor.parameters;
        const typeText = (p: ts.ParameterDeclaration | undefined) => p?.type?.getText(sf);
        const paramName = (p: ts.ParameterDeclaration | undefined) => p?.name.getText(sf);
        if (paramName(name) !== "name" || typeText(name) !== "string") at(ctor, `first parameter is not "name: string" but "${name?.getText(sf)}"`);
        const argsType = typeText(args);
        if (paramName(args) !== "args" || argsType !== `${className}Args` || args.questionToken || args.initializer) {
            at(ctor, `second parameter is not "args: ${className}Args" but "${args?.getText(sf)}"`);
        } else if (!interfaces.has(argsType)) {
            at(ctor, `${argsType} is not an exported interface under components/`);
        }
        const optsType = typeText(opts);
        const optionsType = optsType === COMPONENT_OPTIONS || (optsType !== undefined && (interfaces.get(optsType) ?? []).includes(COMPONENT_OPTIONS));
        if (paramName(opts) !== "opts" || !(opts.questionToken || opts.initializer) || !optionsType) {
            at(ctor, `third parameter is not "opts?: ${COMPONENT_OPTIONS}" (or an options type extending it) but "${opts?.getText(sf)}"`);
        }
        if (more.length > 0) at(ctor, `more than three parameters`);
        const last = ctor.body.statements.at(-1);
        const endsWithRegister =
            last !== undefined &&
            ts.isExpressionStatement(last) &&
            ts.isCallExpression(last.expression) &&
            last.expression.expression.getText(sf) === "this.registerOutputs";
        if (!endsWithRegister) at(ctor, "constructor does not end with this.registerOutputs(...)");
    }
    return { components, problems };
}

describe("component contract (CONTRIBUTING.md) in the components' source text", () => {
    const sources = tsFiles("components").map((file) => parse(file, fs.readFileSync(path.join(ROOT, file), "utf8")));
    const interfaces = new Map(sources.flatMap((sf) => [...exportedInterfaces(sf)]));

    it("every field of an exported *Args interface has a doc comment of its own", () => {
        const argsInterfaces = [...interfaces.keys()].filter((n) => n.endsWith("Args"));
        assert.ok(argsInterfaces.length >= 20, `${argsInterfaces.length} Args interfaces read`);
        assert.deepEqual(
            sources.flatMap((sf) => undocumentedArgsFields(sf)),
            [],
        );
    });

    it("every component takes (name: string, args: <Class>Args, opts?: options) and its constructor ends with registerOutputs", () => {
        const results = sources.map((sf) => signatureProblems(sf, interfaces));
        const components = results.flatMap((r) => r.components);
        assert.ok(components.length >= 20, `${components.length} components read`);
        assert.deepEqual(
            results.flatMap((r) => r.problems),
            [],
        );
    });

    it("finds a field without its own doc comment, and each break of the signature", () => {
        const sf = parse(
            "components/made.ts",
            [
                "import * as pulumi from '@pulumi/pulumi';",
                "export interface MadeArgs {",
                "    /** Documented. */",
                "    a: string;",
                "    // A line comment is not a doc comment.",
                "    b: string;",
                "    /** A comment above two fields documents the first only. */",
                "    c: string;",
                "    d?: number;",
                "}",
                "interface UnregisteredArgs { e: string }",
                "export interface MadeOptions extends pulumi.ComponentResourceOptions { /** x */ x?: string }",
                "export class Made extends pulumi.ComponentResource {",
                "    constructor(name: string, args: MadeArgs, opts: MadeOptions = {}) { super('t', name, {}, opts); this.registerOutputs({}); }",
                "}",
                "export class Renamed extends pulumi.ComponentResource {",
                "    constructor(id: string, props: MadeArgs, options?: pulumi.ComponentResourceOptions) { super('t', id, {}, options); this.registerOutputs({}); }",
                "}",
                "export class Unregistered extends pulumi.ComponentResource {",
                "    constructor(name: string, args: UnregisteredArgs, opts?: pulumi.CustomResourceOptions) { super('t', name, {}, opts); this.registerOutputs({}); const x = 1; }",
                "}",
            ].join("\n"),
        );
        assert.deepEqual(undocumentedArgsFields(sf), ["components/made.ts:6 MadeArgs.b", "components/made.ts:9 MadeArgs.d"]);
        const { components, problems } = signatureProblems(sf, exportedInterfaces(sf));
        assert.deepEqual(components, ["Made", "Renamed", "Unregistered"]);
        assert.deepEqual(problems, [
            'components/made.ts:17 Renamed: first parameter is not "name: string" but "id: string"',
            'components/made.ts:17 Renamed: second parameter is not "args: RenamedArgs" but "props: MadeArgs"',
            'components/made.ts:17 Renamed: third parameter is not "opts?: pulumi.ComponentResourceOptions" (or an options type extending it) but "options?: pulumi.ComponentResourceOptions"',
            "components/made.ts:20 Unregistered: UnregisteredArgs is not an exported interface under components/",
            'components/made.ts:20 Unregistered: third parameter is not "opts?: pulumi.ComponentResourceOptions" (or an options type extending it) but "opts?: pulumi.CustomResourceOptions"',
            "components/made.ts:20 Unregistered: constructor does not end with this.registerOutputs(...)",
        ]);
    });
});
