/**
 * The apps run with the config the program renders, as OpenShift runs their pods (arbitrary UID,
 * group 0, read-only root; test/real/pod-sandbox.ts): Clair's three nodes on PostgreSQL, clamd
 * with its exporter, Malwar's API. Each app's suite records what its processes serve on /metrics;
 * the last suite checks every metric an alert or a dashboard panel names against those scrapes.
 */
import { describeClair } from "./apps/clair";
import { describeClamav } from "./apps/clamav";
import { describeMalwar } from "./apps/malwar";
import { describeMetrics } from "./apps/metrics";
import { Scrapes } from "./apps/scrapes";

const scrapes = new Scrapes();
describeClair(scrapes);
describeClamav(scrapes);
describeMalwar(scrapes);
describeMetrics(scrapes);
