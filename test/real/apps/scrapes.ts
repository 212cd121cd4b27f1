/**
 * What the real processes serve on /metrics, collected by each app's suite after its traffic, for
 * the check that every metric an alert or a dashboard panel names is really served.
 */
export type App = "clair" | "clamav" | "malwar";

export interface Scrape {
    app: App;
    /** Which process and port, for messages (e.g. "clair indexer :18089/metrics"). */
    source: string;
    /** The Prometheus text exposition format as served. */
    text: string;
}

export class Scrapes {
    readonly list: Scrape[] = [];

    add(app: App, source: string, text: string): void {
        this.list.push({ app, source, text });
    }

    /** Every metric name (the series names, as in `name{...} value`) a scrape of `app` served. */
    seriesNames(app?: App): Set<string> {
        const names = new Set<string>();
        for (const s of this.list.filter((s) => app === undefined || s.app === app)) {
            for (const line of s.text.split("\n")) {
                const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)/.exec(line);
                if (m) names.add(m[1]);
            }
        }
        return names;
    }
}

/** GET a URL's body as text (a /metrics scrape, a probe), with its status. */
export async function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(30000) });
    return { status: res.status, body: await res.text() };
}
