import { strict as assert } from "assert";
import { compareQuantities, isQuantity, quantitiesEqual, quantityToGiB, quantityToNumber } from "../lib/quantity";

describe("quantities", () => {
    it("compares by value, not by spelling", () => {
        assert.ok(quantitiesEqual("2", "2000m"));
        assert.ok(quantitiesEqual("2Gi", "2048Mi"));
        assert.ok(quantitiesEqual("1e3", "1k"));
        assert.ok(quantitiesEqual(2, "2"));
        assert.ok(quantitiesEqual("0.5", "500m"));
        assert.ok(quantitiesEqual("1E3", "1000"));
        assert.ok(!quantitiesEqual("1G", "1Gi"));
        assert.equal(compareQuantities("100m", "0.2"), -1);
        assert.equal(compareQuantities("4Gi", "4G"), 1);
    });

    it("rejects malformed quantities", () => {
        for (const bad of ["2 cores", "2GB", "", "Gi", "1.2.3", " 2", "2Mib", "abc", "1e", "--1", null, undefined, {}]) {
            assert.equal(isQuantity(bad), false, `${JSON.stringify(bad)} should be malformed`);
        }
        assert.throws(() => compareQuantities("2GB", "2"), /not a Kubernetes quantity/);
    });

    it("converts to numbers for summaries", () => {
        assert.equal(quantityToNumber("250m"), 0.25);
        assert.equal(quantityToGiB("100Gi"), 100);
        assert.equal(quantityToGiB("512Mi"), 0.5);
    });
});
