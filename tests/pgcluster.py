"""Archives to test against: a SQLite file always, and a throw-away PostgreSQL cluster when
one can be started here (initdb into a temporary folder, a unix socket only, removed at the
end); the PostgreSQL cases are skipped with the reason otherwise."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _as_owner(command: list[str]) -> list[str]:
    """As root, PostgreSQL's tools must run as the postgres user."""
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser")
    return [runuser, "-u", "postgres", "--", *command]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a database in a fresh PostgreSQL cluster, or a skip saying why not."""
    initdb, pg_ctl = _tool("initdb"), _tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL 未安装（找不到 initdb / pg_ctl），跳过 PostgreSQL 档案库测试")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("未安装 psycopg，跳过 PostgreSQL 档案库测试")
    base = Path(tempfile.mkdtemp(prefix="mujun-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    started = False
    try:
        if os.geteuid() == 0:
            shutil.chown(base, "postgres")
            shutil.chown(sock, "postgres")
        base.chmod(0o755)

        def run(command: list[str]) -> None:
            subprocess.run(_as_owner(command), check=True, capture_output=True, timeout=120)

        run([initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
        options = f"-k {sock} -c listen_addresses='' -c fsync=off"
        run([pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"])
        started = True
        createdb = _tool("createdb") or "createdb"
        run([createdb, "-h", str(sock), "-U", "postgres", "mujun_test"])
    except (OSError, RuntimeError, subprocess.SubprocessError, KeyError, LookupError) as exc:
        if started:
            subprocess.run(_as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]))
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"无法启动临时 PostgreSQL 服务器（{exc}），跳过 PostgreSQL 档案库测试")
    try:
        yield f"postgresql+psycopg://postgres@/mujun_test?host={sock}"
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive's URL: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "档案库.sqlite")
        return
    base: str = request.getfixturevalue("postgres_url")
    import sqlalchemy as sa

    name = f"t{abs(hash(request.node.nodeid)) % 10**12}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield base.replace("/mujun_test?", f"/{name}?")
