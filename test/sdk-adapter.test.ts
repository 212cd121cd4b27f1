import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isConfigSecret } from "../config/sdk-adapter";

describe("the one private @pulumi/pulumi API the program uses (config/sdk-adapter.ts)", () => {
    it("still tells a key set with --secret from a plain one", () => {
        pulumi.runtime.setAllConfig({ "scanning-platform:clairPsk": "x", "scanning-platform:clair": "{}" }, ["scanning-platform:clairPsk"]);
        assert.equal(isConfigSecret("scanning-platform:clairPsk"), true);
        assert.equal(isConfigSecret("scanning-platform:clair"), false);
    });
});
