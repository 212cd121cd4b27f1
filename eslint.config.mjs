// ESLint (flat config) with typescript-eslint: the recommended sets, plus no-floating-promises,
// which needs type information (projectService reads tsconfig.json and policy/tsconfig.json).
// Unused exports are checked by knip (knip.json), formatting by Prettier (.prettierrc.json).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "policy/node_modules/**", "policy/bin/**", ".stryker-tmp/**", "reports/**", ".cache/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        linterOptions: { reportUnusedDisableDirectives: "error" },
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            // A leading underscore marks a parameter or binding kept for its position, and a rest
            // sibling is how a test or component drops keys from an object (`{ omitted, ...rest }`).
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
        },
    },
    {
        // These match control characters on purpose: the ones Go's and libcurl's parsers refuse, and
        // a terminal's escape sequences in the progress lines.
        files: ["config/primitives.ts", "test/real/progress.test.ts"],
        rules: { "no-control-regex": "off" },
    },
    {
        // Tests and their harness read Pulumi's mock outputs and policy props, which the SDKs type as
        // any; the program and the pack (components/, config/, lib/, policy/) keep to typed values.
        files: ["test/**", "tools/**", "policy/test/**"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // Plain JavaScript (Node scripts, the Stryker plugin, the pack's compiled entry): no type
        // information, so no type-aware rules; CommonJS files may require().
        files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
        extends: [tseslint.configs.disableTypeChecked],
        languageOptions: { globals: { ...globals.node } },
    },
    {
        files: ["**/*.js", "**/*.cjs"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
