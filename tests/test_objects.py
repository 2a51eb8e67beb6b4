"""Object storage (sources.objects): s3:// objects, globs and partitioned lakes read from a
local S3 server on loopback (moto's server mode, started here), https:// files, exports to
s3://, the Parquet round trip, and every failure as one sentence naming the object."""

from __future__ import annotations

import json
import socket
import threading
import traceback
from datetime import UTC, datetime

import duckdb
import pytest
from conftest import DATA, run_cli
from s3server import REGION, S3Server

from seshis.errors import SourceError
from seshis.sources import load_files
from seshis.sources.objects import Storage, days, touches
from seshis.store import InputStore

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # run_cli's clock
LAKE = "s3://fleet/sessions/**/*.parquet"
DAYS = 120  # of history in the lake, one partition a day


def _sessions_sql(days: int) -> str:
    """A site's sessions every 30 minutes over `days` days up to NOW: empty, micro, unclaimed."""
    start = f"TIMESTAMPTZ '{NOW.isoformat()}' - to_minutes(i * 30)"
    return f"""
        SELECT 'S-' || lpad(i::VARCHAR, 6, '0') AS session_id, 'Depot' AS site,
            'ST-' || (i % 12) AS station_id,
            CASE WHEN i % 7 = 0 THEN NULL ELSE 'driver' || (i % 40) || '@example.com' END
                AS user_id,
            {start} AS start, {start} + INTERVAL 2 HOUR AS "end",
            CASE WHEN i % 9 = 0 THEN 0.0 WHEN i % 11 = 0 THEN 0.4 ELSE 2.0 + i % 13 END AS kwh,
            'America/Chicago' AS timezone,
            strftime({start}, '%Y-%m-%d') AS date
        FROM range({days * 48}) t(i)
    """


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """The server with the bucket `fleet`: a lake of daily partitions, the same sessions in one
    object, CSV and JSON objects, a damaged object; then credentials required."""
    folder = tmp_path_factory.mktemp("lake")
    con = duckdb.connect()
    con.execute(
        f"COPY ({_sessions_sql(DAYS)}) TO '{folder / 'lake'}' (FORMAT parquet, PARTITION_BY (date))"
    )
    con.execute(
        f"COPY (SELECT * EXCLUDE (date) FROM ({_sessions_sql(DAYS)})) "
        f"TO '{folder / 'one.parquet'}' (FORMAT parquet)"
    )
    server = S3Server().start()
    client = server.client()
    client.create_bucket(Bucket="fleet")
    for path in sorted((folder / "lake").rglob("*.parquet")):
        client.upload_file(str(path), "fleet", f"sessions/{path.relative_to(folder / 'lake')}")
    client.upload_file(str(folder / "one.parquet"), "fleet", "one/sessions.parquet")
    client.upload_file(str(DATA / "acn.csv"), "fleet", "exports/acn.csv")
    client.upload_file(str(DATA / "acn_list.json"), "fleet", "exports/acn_list.json")
    client.put_object(Bucket="fleet", Key="broken/sessions.parquet", Body=b"PAR1 not really")
    server.local = folder
    server.key, server.secret = server.require_credentials()
    yield server
    server.stop()


@pytest.fixture
def aws(s3, monkeypatch, tmp_path):
    """Credentials and the endpoint from the environment, nothing from ~/.aws or the network."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3.key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3.secret)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3


def _totals(*args: str) -> dict:
    result = run_cli("--all", "--json", "--no-input", *args)
    assert result.code == 0, result.err
    return result.json()["totals"]


# --- reading ------------------------------------------------------------------------------------


def test_a_single_object_reads_as_the_same_file_does(aws):
    remote = _totals("--source", "s3://fleet/one/sessions.parquet")
    local = _totals("--source", str(aws.local / "one.parquet"))
    assert remote == local and remote["sessions"] == DAYS * 48


def test_a_glob_reads_every_object_it_matches(aws):
    assert _totals("--source", LAKE) == _totals("--source", "s3://fleet/one/sessions.parquet")


def test_a_partitioned_lake_reads_only_the_partitions_of_the_window(aws):
    aws.reset()
    whole = run_cli("--all", "--json", "--no-input", "--source", LAKE)
    assert whole.code == 0, whole.err
    all_objects = aws.objects_read("/fleet/sessions/")
    all_bytes = aws.bytes_read("/fleet/sessions/")
    aws.reset()
    week = run_cli("--all", "--json", "--no-input", "--source", LAKE, "--range", "week")
    assert week.code == 0, week.err
    week_objects = aws.objects_read("/fleet/sessions/")
    assert len(all_objects) == DAYS + 1  # the first day's partition is cut at 20:00
    # the week, its previous week and the 30 days a short window is judged with, a day wider
    assert len(week_objects) <= 34
    assert all(p.split("date=")[1][:10] >= "2026-10-24" for p in week_objects)
    assert aws.bytes_read("/fleet/sessions/") < all_bytes * 0.35
    # the same figures as the week of the whole lake
    local = run_cli(
        "--all",
        "--json",
        "--no-input",
        "--range",
        "week",
        "--source",
        str(aws.local / "one.parquet"),
    )
    assert week.json()["totals"] == local.json()["totals"]
    assert week.json()["previous"] == local.json()["previous"]


def test_the_window_skips_row_groups_of_an_object_by_their_statistics(aws):
    """One object of many row groups, in the order of their start: only those whose starts
    reach the window are read."""
    path = aws.local / "groups.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * EXCLUDE (date), md5(session_id) || md5(station_id) AS note "
        f"FROM ({_sessions_sql(DAYS * 8)}) ORDER BY start) "
        f"TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 8192)"
    )
    aws.client(key=aws.key, secret=aws.secret).upload_file(str(path), "fleet", "groups/g.parquet")
    aws.reset()
    whole = run_cli("--all", "--json", "--no-input", "--source", "s3://fleet/groups/g.parquet")
    assert whole.code == 0, whole.err
    read = aws.bytes_read("/fleet/groups/")
    aws.reset()
    week = run_cli(
        "--all",
        "--json",
        "--no-input",
        "--range",
        "week",
        "--source",
        "s3://fleet/groups/g.parquet",
    )
    assert week.code == 0, week.err
    assert aws.bytes_read("/fleet/groups/") < read * 0.2


def test_csv_and_json_objects_read_as_their_files_do(aws):
    for name in ("acn.csv", "acn_list.json"):
        remote = run_cli("--all", "--json", "--no-input", "--source", f"s3://fleet/exports/{name}")
        local = run_cli("--all", "--json", "--no-input", "--source", str(DATA / name))
        assert remote.code == 0, remote.err
        assert remote.json()["totals"] == local.json()["totals"]
        assert remote.json()["data_quality"] == local.json()["data_quality"]


def test_an_https_file_is_read_as_its_local_copy_is(aws, httpserver):
    body = (DATA / "acn.csv").read_bytes()
    httpserver.expect_request("/acn.csv").respond_with_data(body, content_type="text/csv")
    remote = run_cli("--all", "--json", "--no-input", "--source", httpserver.url_for("/acn.csv"))
    assert remote.code == 0, remote.err
    assert remote.json()["totals"] == _totals("--source", str(DATA / "acn.csv"))


def test_the_library_takes_a_window_and_an_endpoint(aws, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    reach = (datetime(2026, 11, 19, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
    data = load_files([LAKE], window=reach, storage=Storage(aws.endpoint, 10))
    try:
        assert "9 of 121 objects, hive partitions by date" in data.details[0]
        assert f"endpoint {aws.endpoint}" in data.details[0]
    finally:
        data.store.close()


def test_partition_days_from_folder_names():
    assert (
        days("s3://b/p/year=2025/month=11/day=2/x.parquet") == (datetime(2025, 11, 2).date(),) * 2
    )
    first, last = days("s3://b/p/year=2024/month=2/x.parquet")
    assert (first.day, last.day) == (1, 29)
    assert days("s3://b/p/dt=20251102/x.parquet")[0].isoformat() == "2025-11-02"
    assert days("s3://b/p/site=Depot/x.parquet") is None
    reach = (datetime(2025, 11, 10, tzinfo=UTC), datetime(2025, 11, 12, tzinfo=UTC))
    assert touches("s3://b/date=2025-11-09/x.parquet", reach)  # a day wider: the writer's zone
    assert not touches("s3://b/date=2025-11-07/x.parquet", reach)
    assert touches("s3://b/unpartitioned/x.parquet", reach)


# --- writing ------------------------------------------------------------------------------------


def test_exports_go_to_s3_keys_and_prefixes(aws):
    client = aws.client(key=aws.key, secret=aws.secret)
    csv = run_cli(
        "--all", "--csv", "--no-input", "--source", LAKE, "--output", "s3://fleet/reports/"
    )
    assert csv.code == 0, csv.err
    assert "sessions exported to s3://fleet/reports/2026_" in csv.out
    assert "stations exported to s3://fleet/reports/2026_" in csv.out
    for kind, key in (("--parquet", "out/week.parquet"), ("--json", "out/week.json")):
        result = run_cli(
            "--all", kind, "--no-input", "--source", LAKE, "--output", f"s3://fleet/{key}"
        )
        assert result.code == 0, result.err
        assert f"s3://fleet/{key}" in result.out
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="fleet", Prefix="")["Contents"]}
    assert {"out/week.parquet", "out/week.json"} <= keys
    assert sum(k.startswith("reports/2026_") for k in keys) == 2
    report = json.loads(client.get_object(Bucket="fleet", Key="out/week.json")["Body"].read())
    assert report["totals"]["sessions"] == DAYS * 48
    assert not any("seshis-" in k for k in keys)  # no temporary file left in the bucket


def test_a_parquet_export_reads_back_with_the_same_figures(tmp_path):
    out = tmp_path / "sessions.parquet"
    source = str(DATA / "acn.csv")
    written = run_cli("--all", "--parquet", "--no-input", "--source", source, "--output", str(out))
    assert written.code == 0, written.err
    assert "📊" in written.out and str(out) in written.out
    con = duckdb.connect()
    types = dict(
        con.execute(f"DESCRIBE SELECT * FROM '{out}'").fetchall()[i][:2] for i in range(26)
    )
    assert types["start"].startswith("TIMESTAMP") and types["start_local"] == "TIMESTAMP"
    assert types["session_id"] == "VARCHAR" and types["kwh"] == "DOUBLE"
    before = run_cli("--all", "--json", "--no-input", "--source", source).json()
    after = run_cli("--all", "--json", "--no-input", "--source", str(out)).json()
    for key in ("totals", "performance", "unclaimed", "users", "daily", "health"):
        assert after[key] == before[key], key


def test_a_parquet_export_to_s3_reads_back_from_s3(aws):
    written = run_cli(
        "--all",
        "--parquet",
        "--no-input",
        "--source",
        LAKE,
        "--range",
        "month",
        "--output",
        "s3://fleet/back/month.parquet",
    )
    assert written.code == 0, written.err
    again = _totals("--source", "s3://fleet/back/month.parquet")
    assert again == _totals("--source", LAKE, "--range", "month")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parquet", "--demo"], "--parquet requires at least one analysis flag"),
        (["--all", "--parquet", "--csv", "--demo"], "run --parquet and --csv separately"),
        (["--all", "--html", "--parquet", "--demo"], "run --html and --parquet separately"),
        (["--all", "--parquet", "--demo", "--output", "-"], "--output - (standard output)"),
        (["--all", "--csv", "--demo", "--output", "https://x/y.csv"], "not a web address"),
    ],
)
def test_parquet_follows_the_csv_rules(args, message):
    result = run_cli("--no-input", *args)
    assert result.code == 2 and message in result.err


# --- failures -----------------------------------------------------------------------------------


def _fails(*args: str) -> str:
    result = run_cli("--all", "--json", "--no-input", *args)
    assert result.code == 1, result.out + result.err
    assert result.err.count("\n") <= 1, result.err  # one sentence
    return result.err


def test_wrong_credentials_name_the_object(aws, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all")
    err = _fails("--source", "s3://fleet/one/sessions.parquet")
    assert "s3://fleet/one/sessions.parquet cannot be read with these credentials" in err
    assert "not-the-secret-at-all" not in err


def test_no_credentials_say_how_to_give_them(aws, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    err = _fails("--source", "s3://fleet/one/sessions.parquet")
    assert "s3://fleet/one/sessions.parquet" in err and "AWS_ACCESS_KEY_ID" in err


def test_no_such_bucket_key_or_match(aws):
    assert "The bucket of s3://nobucket/x.parquet does not exist" in _fails(
        "--source", "s3://nobucket/x.parquet"
    )
    assert "s3://fleet/nokey.parquet does not exist" in _fails(
        "--source", "s3://fleet/nokey.parquet"
    )
    assert "Nothing matches s3://fleet/none/**/*.parquet" in _fails(
        "--source", "s3://fleet/none/**/*.parquet"
    )
    assert "is a folder" in _fails("--source", "s3://fleet/sessions")


def test_a_damaged_object_is_named(aws):
    err = _fails("--source", "s3://fleet/broken/sessions.parquet")
    assert "s3://fleet/broken/sessions.parquet could not be read as Parquet" in err


def test_a_refused_endpoint_is_named(aws, monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    err = _fails(
        "--source", "s3://fleet/one/sessions.parquet", "--s3-endpoint", f"http://127.0.0.1:{port}"
    )
    assert f"The object store at http://127.0.0.1:{port} did not answer" in err
    assert "s3://fleet/one/sessions.parquet" in err


def test_a_silent_endpoint_times_out(aws):
    """A server that accepts and never answers: given up after --timeout."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{sock.getsockname()[1]}"
        err = _fails(
            "--source",
            "s3://fleet/one/sessions.parquet",
            "--s3-endpoint",
            endpoint,
            "--timeout",
            "0.5",
        )
        assert f"The object store at {endpoint} did not answer" in err
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        sock.close()


def test_an_export_to_a_missing_bucket_is_named(aws):
    result = run_cli(
        "--all", "--csv", "--no-input", "--source", LAKE, "--output", "s3://nobucket/r.csv"
    )
    assert result.code == 1 and "The bucket of s3://nobucket/r.csv does not exist" in result.err
    assert "exported" not in result.out  # nothing said before the object is there


# --- secrets and offline ------------------------------------------------------------------------


def test_no_key_in_any_output_or_debug_log(aws, tmp_path):
    runs = [
        run_cli("--all", "--no-input", "--debug", "--source", LAKE, "--range", "week"),
        run_cli("--all", "--json", "--no-input", "--debug", "--source", LAKE),
        run_cli("--no-input", "--debug", "--source", "s3://fleet/exports/acn.csv"),
        run_cli("--all", "--csv", "--no-input", "--debug", "--source", LAKE, "--output", "-"),
        run_cli(
            "--all", "--parquet", "--debug", "--source", LAKE, "--output", "s3://fleet/d/x.parquet"
        ),
        run_cli("--all", "--no-input", "--source", "s3://nobucket/x.parquet"),
    ]
    texts = [r.out + r.err for r in runs]
    with pytest.raises(SourceError) as failed:  # --debug: the traceback too
        run_cli("--all", "--no-input", "--debug", "--source", "s3://fleet/broken/x.parquet")
    texts.append("".join(traceback.format_exception(failed.value)))
    for text in texts:
        assert aws.secret not in text and aws.key not in text
    assert "endpoint " + aws.endpoint in runs[0].err
    assert "credentials from env" in runs[0].err


def test_duckdb_never_fetches_an_extension():
    """No extension is installed or loaded behind seshis's back: without its filesystem, an
    s3:// name fails at once instead of downloading httpfs."""
    store = InputStore.create()
    try:
        assert store.value("SELECT current_setting('autoinstall_known_extensions')") is False
        assert store.value("SELECT current_setting('autoload_known_extensions')") is False
        with pytest.raises(Exception, match=r"httpfs|s3"):
            store.con.execute("SELECT * FROM read_parquet('s3://fleet/x.parquet')")
        loaded = store.rows("SELECT extension_name FROM duckdb_extensions() WHERE loaded")
        assert "httpfs" not in {name for (name,) in loaded}
    finally:
        store.close()
