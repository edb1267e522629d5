"""The embedded default (SQLite) under two processes, as in the demo: a web server and a worker.

Two real processes load the project's settings with a temporary SQLite file and run read-then-write
transactions on the same row at the same time: the pattern of claiming a job. With SQLite's default
deferred transactions one of them gets "database is locked" at once; with the settings' IMMEDIATE
transactions, WAL and busy timeout both finish and no update is lost.
"""
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSACTIONS_PER_PROCESS = 40

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from django.db import connection, transaction

    role, start_at, count = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    if role == "setup":
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
            cursor.execute("INSERT INTO counter VALUES ('claims', 0)")
            cursor.execute("PRAGMA journal_mode")
            print(cursor.fetchone()[0])
        sys.exit(0)
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT value FROM counter WHERE name = 'claims'")
            value = cursor.fetchone()[0]
            time.sleep(0.002)  # the work between reading a row and writing it, as in claiming a job
            cursor.execute("UPDATE counter SET value = %s WHERE name = 'claims'", [value + 1])
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE name = 'claims'")
        print(cursor.fetchone()[0])
    """
)


def _env(tmp_path: Path) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'raylabel.sqlite3'}",
        "RAYLABEL_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }


def test_two_processes_writing_one_sqlite_file_do_not_hit_database_is_locked(tmp_path):
    env = _env(tmp_path)
    setup = subprocess.run([sys.executable, "-c", SCRIPT, "setup", "0", "0"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert setup.returncode == 0, setup.stderr
    assert setup.stdout.strip().splitlines()[-1] == "wal"

    start_at = str(time.time() + 4)  # both processes have imported Django by then
    writers = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, "write", start_at, str(TRANSACTIONS_PER_PROCESS)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [writer.communicate(timeout=300) for writer in writers]
    for writer, (_, stderr) in zip(writers, outputs):
        assert "database is locked" not in stderr
        assert writer.returncode == 0, stderr
    assert max(int(stdout.strip()) for stdout, _ in outputs) == 2 * TRANSACTIONS_PER_PROCESS
