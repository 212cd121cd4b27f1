/**
 * The pod sandbox (test/real/pod-sandbox.ts) with two things of the image a program needs beyond
 * the pod's volumes:
 *  - imagePaths: host folders standing for the image's own files (an interpreter, an installed
 *    app), shown read-only at their own paths. The toolchain cache lives under root's home (0700),
 *    which an arbitrary UID cannot enter: inside the sandbox that folder is replaced by a read-only
 *    tmpfs holding only these paths, each bound from the real one. Nothing is copied, and a venv's
 *    absolute paths (pyvenv.cfg, script shebangs, libpython's RUNPATH) stay valid.
 *  - workingDir: the image's WORKDIR (a container's cwd decides where relative paths go, such as
 *    pydantic-settings' `.env`).
 * Both are mount and shell lines added to the script PodVolumes writes, so start() and run() work unchanged.
 */
import * as fs from "fs";
import * as path from "path";
import { PodVolumes, type RenderedContainer, type SandboxOptions } from "../pod-sandbox";

export interface ImageOptions {
    imagePaths?: string[];
    workingDir?: string;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class ImagePodVolumes extends PodVolumes {
    private image: ImageOptions = {};
    private staged = 0;

    /** What the next containers started or run here see of the image. */
    withImage(image: ImageOptions): this {
        this.image = image;
        return this;
    }

    override script(container: RenderedContainer, options: SandboxOptions = {}): string {
        const lines = super.script(container, options).split("\n");
        if (lines[0] !== "set -eu") throw new Error("pod-sandbox's script no longer starts with `set -eu`: update image-sandbox.ts");
        const exec = lines.findIndex((l) => l.startsWith("exec setpriv "));
        if (exec < 0) throw new Error("pod-sandbox's script has no `exec setpriv` line: update image-sandbox.ts");
        if (this.image.workingDir) lines.splice(exec, 0, `cd ${q(this.image.workingDir)}`);
        lines.splice(1, 0, ...this.imagePathLines(this.image.imagePaths ?? []));
        return lines.join("\n");
    }

    private imagePathLines(paths: string[]): string[] {
        const staging: string[] = [];
        const shown: string[] = [];
        const hidden = new Map<string, { target: string; stage: string }[]>();
        for (const target of paths.map((p) => path.resolve(p))) {
            if (!fs.statSync(target).isDirectory()) throw new Error(`image path ${target} is not a folder`);
            const parts = target.split("/").filter(Boolean);
            const ancestors = parts.slice(0, -1).map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
            // The first folder on the way that others may not enter (no execute bit for others).
            const closed = ancestors.find((a) => (fs.statSync(a).mode & 0o001) === 0);
            if (!closed) {
                shown.push(`mount --bind ${q(target)} ${q(target)}`, `mount -o remount,bind,ro ${q(target)}`);
                continue;
            }
            const stage = path.join(this.root, `image-${this.staged++}`);
            fs.mkdirSync(stage);
            staging.push(`mount --bind ${q(target)} ${q(stage)}`);
            hidden.set(closed, [...(hidden.get(closed) ?? []), { target, stage }]);
        }
        for (const [closed, entries] of hidden) {
            shown.push(`mount -t tmpfs -o mode=0755,size=64k tmpfs ${q(closed)}`);
            for (const e of entries)
                shown.push(`mkdir -p ${q(e.target)}`, `mount --bind ${q(e.stage)} ${q(e.target)}`, `mount -o remount,bind,ro ${q(e.target)}`);
            shown.push(`mount -o remount,ro ${q(closed)}`);
        }
        return [...staging, ...shown];
    }
}
