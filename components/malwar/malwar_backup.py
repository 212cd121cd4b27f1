"""A consistent snapshot of Malwar's live SQLite database, for the backup CronJob.

Usage: python3 malwar_backup.py --database /data/malwar.db --out-dir /backup

Uses SQLite's online backup API (sqlite3.Connection.backup), never a file copy: Malwar keeps
the database in WAL mode and writes while this runs, so the main file alone is not a database
(committed pages may sit in malwar.db-wal). The backup reads one consistent version under a
read transaction, which in WAL mode does not block Malwar's writer. The snapshot is then
switched to rollback-journal mode (one self-contained file), checked with PRAGMA
integrity_check, and renamed into place as malwar-<UTC time>.db only when all of that passed;
the upload container sends what is in --out-dir. Prints one JSON line describing the snapshot.
"""
import argparse
import datetime
import hashlib
import json
import os
import sqlite3
import sys
import time


def snapshot(database: str, out_dir: str, now: datetime.datetime) -> dict:
    if not os.path.isfile(database):
        # sqlite3.connect would create an empty database here; a missing one is an error.
        raise SystemExit(f"malwar_backup: {database} does not exist (is the claim mounted?)")
    name = now.strftime("malwar-%Y%m%dT%H%M%SZ.db")
    final = os.path.join(out_dir, name)
    partial = final + ".partial"
    started = time.monotonic()
    # mode=rw: never create the file; the source is only read, but a WAL reader needs the -shm.
    source = sqlite3.connect(f"file:{database}?mode=rw", uri=True, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # pages=-1 (all at once): one read transaction, one consistent version of the database.
        source.backup(target, pages=-1)
    finally:
        source.close()
    try:
        target.execute("PRAGMA journal_mode=DELETE").fetchone()
        result = [row[0] for row in target.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise SystemExit(f"malwar_backup: the snapshot failed PRAGMA integrity_check: {result[:10]}")
        tables = target.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0]
        pages = target.execute("PRAGMA page_count").fetchone()[0]
    finally:
        target.close()
    os.replace(partial, final)
    digest = hashlib.sha256()
    with open(final, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return {
        "snapshot": final,
        "bytes": os.path.getsize(final),
        "pages": pages,
        "tables": tables,
        "sha256": digest.hexdigest(),
        "seconds": round(time.monotonic() - started, 3),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="the live SQLite database (Malwar's MALWAR_DB_PATH)")
    parser.add_argument("--out-dir", required=True, help="where the snapshot is written (the upload container sends it)")
    args = parser.parse_args(argv)
    report = snapshot(args.database, args.out_dir, datetime.datetime.now(datetime.timezone.utc))
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
