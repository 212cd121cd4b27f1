/** ClamAV's part of the stack config. */
import { z } from "zod";
import { cronSchedule, dnsLabel, guaranteedResources, pinnedImage, replicas, uid } from "./primitives";

export const clamavSchema = z
    .strictObject({
        image: pinnedImage.default("clamav/clamav:1.4.3"),
        replicas: replicas(50).default(2),
        resources: guaranteedResources("1", "4Gi"),
        updaterResources: guaranteedResources("500m", "1Gi"),
        runAsUser: uid.default(100),
        runAsGroup: uid.default(101),
        /** A private signature mirror (ClamAV advises one beyond about 10 hosts). */
        privateMirror: z.url({ error: "must be an http(s) URL" }).optional(),
        refresh: z
            .strictObject({
                name: dnsLabel.default("refresh-clamav-db"),
                schedule: cronSchedule.default("0 */6 * * *"),
                image: pinnedImage.default("registry.k8s.io/kubectl:v1.33.5"),
                resources: guaranteedResources("100m", "128Mi"),
            })
            .prefault({}),
    })
    .prefault({});
