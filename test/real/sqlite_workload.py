"""A SQLite database written to as Malwar writes it, and the checks of a restored copy.

  python sqlite_workload.py write DB READY_ROWS   WAL mode, as Malwar opens it; inserts rows in
      transactions of 25 until killed; after READY_ROWS rows, a checkpoint and 500 more rows
      (in the WAL only), then prints "ready" and goes on at about 1,000 rows a second.
  python sqlite_workload.py check DB              prints JSON: integrity_check, journal mode,
      row count, whether the ids are 1..count, whether every digest matches its payload.
  python sqlite_workload.py count DB              prints the committed row count.
  python sqlite_workload.py main-file-rows DB     prints the rows a plain copy of the main file
      alone holds (what a file copy would back up): fewer than committed while the WAL holds some.
"""
import hashlib
import json
import os
import shutil
import tempfile
import time
import sqlite3
import sys


def payload(i: int) -> str:
    # About 300 bytes a row, so a few thousand rows span many pages and the WAL.
    return f"scan-{i:08d}-" + hashlib.sha256(str(i).encode()).hexdigest() * 4


def write(db: str, ready_rows: int) -> None:
    conn = sqlite3.connect(db, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS scans (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, digest TEXT NOT NULL)")
    conn.commit()
    i = conn.execute("SELECT coalesce(max(id), 0) FROM scans").fetchone()[0]
    phase = "filling"
    while True:
        with conn:
            for _ in range(25):
                i += 1
                text = payload(i)
                conn.execute("INSERT INTO scans (id, payload, digest) VALUES (?, ?, ?)", (i, text, hashlib.sha256(text.encode()).hexdigest()))
        if phase == "filling" and i >= ready_rows:
            # A checkpoint now, then 500 rows that only the WAL holds: Malwar's usual state
            # between two automatic checkpoints (every 1,000 WAL pages, here about 4,800 rows).
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            ready_rows = i + 500
            phase = "past-checkpoint"
        elif phase == "past-checkpoint" and i >= ready_rows:
            print("ready", flush=True)
            phase = "steady"
        if phase == "steady":
            # Then at an ordinary pace: the next automatic checkpoint is seconds away.
            time.sleep(0.02)


def count(db: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM scans").fetchone()[0]
    finally:
        conn.close()


def main_file_rows(db: str) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        copy = os.path.join(scratch, "copy.db")
        shutil.copyfile(db, copy)
        conn = sqlite3.connect(copy)
        try:
            if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scans'").fetchone()[0]:
                return 0
            return conn.execute("SELECT count(*) FROM scans").fetchone()[0]
        finally:
            conn.close()


def check(db: str) -> dict:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        rows = conn.execute("SELECT id, payload, digest FROM scans ORDER BY id").fetchall()
    finally:
        conn.close()
    return {
        "integrity": integrity,
        "journal_mode": journal,
        "rows": len(rows),
        "ids_contiguous": [r[0] for r in rows] == list(range(1, len(rows) + 1)),
        "payloads_as_written": all(r[1] == payload(r[0]) for r in rows),
        "digests_match": all(hashlib.sha256(r[1].encode()).hexdigest() == r[2] for r in rows),
    }


if __name__ == "__main__":
    mode, db = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(db, int(sys.argv[3]))
    elif mode == "main-file-rows":
        print(main_file_rows(db))
    elif mode == "count":
        print(count(db))
    elif mode == "check":
        print(json.dumps(check(db)))
    else:
        raise SystemExit(f"unknown mode {mode}")
