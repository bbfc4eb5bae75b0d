"""The fault suite (issue #10): Sluice's main job — Postgres CDC → Kafka → S3 sink, with the
worker's state in the region-pinned locations of config/worker-sovereign.properties — under six
faults, one after another, while a workload keeps changing rows in Postgres:

  kill-9          the worker is killed with SIGKILL mid-stream and started again
  broker-restart  the Tansu broker is stopped and started
  postgres-restart Postgres is stopped (fast shutdown) and started
  s3-down-30s     SeaweedFS (the S3 store, which also holds Tansu's data) is stopped for 30 s
  disk-full       the worker's data directory (a small tmpfs) is filled up for 20 s
  config-update   both connectors' configs are changed through the REST API mid-stream

After each fault the workload stops, the suite waits until every change has landed, and then checks,
independently of Sluice's code (psql, librdkafka, boto3):

  Kafka  every change made in Postgres (row id, version) is in the topic at least once;
         duplicates are counted.
  S3     every Kafka record of the topic is in exactly one S3 object, in offset order from the
         object's start offset, with the same content; no offset is missing or written twice; every object is complete (each line
         parses, the record-count tag matches). Source-level duplicates in S3 can only be the
         ones Kafka already holds; they are printed.

Counts are cumulative: a row lost in an early fault stays missing in every later line, so the
suite stops at the first fault that fails.
Prints a table, writes faults.json to the work directory, exits 1 when any check fails.
"""
import bisect
import collections
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import demo  # noqa: E402  (psql, s3 and REST helpers shared with scripts/demo)

env = os.environ
root = env["SLUICE_ROOT"]


def log(message):
    print(f"[faults] {message}", file=sys.stderr, flush=True)


def stack(*args):
    """scripts/stack-down SERVICE or scripts/stack-up (without the package check)."""
    subprocess.run([f"{root}/scripts/{args[0]}", *args[1:]], check=True, capture_output=True,
                   env={**env, "SLUICE_SKIP_INSTALL": "1"})


class Worker:
    """One `sluice worker` process on config/worker-sovereign.properties."""

    def __init__(self, binary, data_dir, log_path):
        self.binary, self.data_dir, self.log_path = binary, data_dir, log_path
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        # config/worker-sovereign.properties with the idempotent producer off: Tansu 0.6 was seen
        # to acknowledge a batch retried across its restart without storing it (a contiguous run
        # of one partition's records missing, no failed send). Without idempotence a retry can
        # only duplicate, which the suite counts. Against Kafka, leave idempotence on.
        self.config = os.path.join(os.path.dirname(log_path), "worker.properties")
        with open(f"{root}/config/worker-sovereign.properties") as source, open(self.config, "w") as out:
            out.write(source.read().replace("residency.policy.file=config/", f"residency.policy.file={root}/config/"))
            out.write("\nproducer.enable.idempotence=false\nproducer.max.in.flight.requests.per.connection=1\n")

    def start(self):
        out = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.binary, "worker", "--config", self.config], cwd=root, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
            env={**env, "SLUICE_DATA_DIR": self.data_dir, "SLUICE_REST_LISTENER": self.url})
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"[faults] error: the worker exited with {self.process.returncode} (log: {self.log_path})")
            try:
                self.request("GET", "/health")
                return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"[faults] error: the worker's REST API did not answer within 60 s (log: {self.log_path})")

    def kill(self, sig):
        self.process.send_signal(sig)
        self.process.wait(timeout=60)

    def request(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read()
            return json.loads(text) if text else None


class Workload(threading.Thread):
    """Inserts 40 rows and bumps the version of 10 existing rows per transaction, about 20
    transactions a second. A failed transaction (Postgres restarting) is retried later; what counts
    is what Postgres committed, read back at check time."""

    def __init__(self, table):
        super().__init__(daemon=True)
        self.table, self.running, self.committed, self.failed = table, threading.Event(), 0, 0
        self.stopped = threading.Event()

    def run(self):
        next_id = 1
        while not self.stopped.is_set():
            if not self.running.wait(0.2):
                continue
            low = random.randint(1, max(1, next_id - 10))
            try:
                demo.psql(f"""
                    begin;
                    insert into {self.table} (payload) select md5(random()::text) || repeat('x', 160) from generate_series(1, 40);
                    update {self.table} set version = version + 1 where id between {low} and {low + 9};
                    commit;""")
                self.committed += 1
                next_id += 40
            except subprocess.CalledProcessError:
                self.failed += 1
                time.sleep(0.5)
            time.sleep(0.03)


class KafkaReader:
    """Reads the change topic from the beginning, keeping every record's (partition, offset)."""

    def __init__(self, topic):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
        self.topic = topic
        self.consumer = Consumer({"bootstrap.servers": env["SLUICE_KAFKA_BOOTSTRAP"], "group.id": "sluice-faults-probe",
                                  "enable.auto.commit": False, "log_level": 2})
        deadline = time.time() + 120
        while True:
            metadata = self.consumer.list_topics(topic, timeout=10).topics.get(topic)
            if metadata and metadata.partitions and metadata.error is None:
                break
            if time.time() > deadline:
                sys.exit(f"[faults] error: topic {topic} did not appear within 120 s")
            time.sleep(1)
        self.partitions = sorted(metadata.partitions)
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in self.partitions])
        self.records = {}  # (partition, offset) -> (id, version) or None for a record without a row

    def poll(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            for message in self.consumer.consume(num_messages=10000, timeout=0.5):
                if message.error():
                    continue
                self.records[(message.partition(), message.offset())] = change_of(message.value())

    def end_offsets(self):
        """Per partition, the offset after the last record: the broker's high watermark, or past
        the last record read if that is further (Tansu's watermark was seen lagging after an S3
        outage, which would let "landed" be declared too early)."""
        from confluent_kafka import TopicPartition
        ends = {p: self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
                for p in self.partitions}
        for partition, offset in self.records:
            ends[partition] = max(ends.get(partition, 0), offset + 1)
        return ends


def change_of(value):
    """(row id, version) of a Debezium change event; None for tombstones and anything else."""
    if not value:
        return None
    event = json.loads(value)
    event = event.get("payload", event) if isinstance(event, dict) and "schema" in event else event
    after = (event or {}).get("after")
    return (after["id"], after["version"]) if after else None


def expected_changes(table):
    """Every change Postgres committed: each row's insert (version 0) and each version bump."""
    rows = demo.psql(f"select id, version from {table}").split()
    changes = set()
    for line in rows:
        row, version = map(int, line.split("|"))
        changes.update((row, v) for v in range(version + 1))
    return changes


class S3Reader:
    """Lists the sink's objects and parses each once per ETag."""

    def __init__(self, bucket, prefix):
        self.client, self.bucket, self.prefix, self.cache = demo.s3(), bucket, prefix, {}

    def objects(self):
        keys, token = [], None
        while True:
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=self.prefix,
                                               **({"ContinuationToken": token} if token else {}))
            keys += page.get("Contents", [])
            if not page.get("IsTruncated"):
                break
            token = page["NextContinuationToken"]
        parsed = {}
        for entry in keys:
            key, etag = entry["Key"], entry["ETag"]
            if self.cache.get(key, (None,))[0] != etag:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                tags = {t["Key"]: t["Value"] for t in self.client.get_object_tagging(Bucket=self.bucket, Key=key)["TagSet"]}
                self.cache[key] = (etag, parse_object(key, body, tags))
            parsed[key] = self.cache[key][1]
        return parsed


def parse_object(key, body, tags):
    """(partition, start offset, [change per line], problems) of one object named
    <topic>+<partition>+<start:010>.json."""
    name = key.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    _, partition, start = name.rsplit("+", 2)
    problems, changes = [], []
    if body and not body.endswith(b"\n"):
        problems.append(f"{key}: does not end with a newline (partial object)")
    for number, line in enumerate(body.splitlines()):
        try:
            changes.append(change_of(line))
        except ValueError:
            problems.append(f"{key}: line {number + 1} is not JSON (partial object)")
    count = tags.get("recordCount")  # the sink runs with s3.object.tagging=true
    if count is None or int(count) != len(changes):
        problems.append(f"{key}: tagged with {count} records but holds {len(changes)}")
    return int(partition), int(start), changes, problems


def check(name, table, kafka, s3):
    expected = expected_changes(table)
    in_kafka = collections.Counter(c for c in kafka.records.values() if c is not None)
    kafka_missing = expected - in_kafka.keys()
    s3_offsets = collections.Counter()
    s3_records, problems, mismatched = {}, [], 0
    objects = s3.objects()
    # An object holds the records of its partition from its start offset on, in offset order. Offsets
    # need not be consecutive (Tansu skipped some after an S3 outage), so line i is the i-th record
    # the reader saw from the start offset on, not start + i.
    offsets = collections.defaultdict(list)
    for partition, offset in sorted(kafka.records):
        offsets[partition].append(offset)
    for partition, start, changes, object_problems in objects.values():
        problems += object_problems
        held = offsets[partition]
        first = bisect.bisect_left(held, start)
        if first == len(held) or held[first] != start:
            problems.append(f"an object of partition {partition} starts at offset {start}, which is not a record in Kafka")
        for offset, change in zip(held[first:], changes):
            s3_offsets[(partition, offset)] += 1
            s3_records[(partition, offset)] = change
            if kafka.records[(partition, offset)] != change:
                mismatched += 1
        mismatched += max(0, len(changes) - len(held[first:]))  # lines past the last record in Kafka
    wanted_offsets = set(kafka.records)
    in_s3 = collections.Counter(s3_records[o] for o in s3_offsets if s3_records[o] is not None)
    result = {
        "fault": name,
        "changes_in_postgres": len(expected),
        "kafka_records": sum(in_kafka.values()),
        "kafka_missing": len(kafka_missing),
        "kafka_duplicates": sum(n - 1 for n in in_kafka.values()),
        "s3_objects": len(objects),
        "s3_records": sum(s3_offsets.values()),
        "s3_missing_offsets": len(wanted_offsets - s3_offsets.keys()),
        "s3_offsets_written_twice": sum(n - 1 for n in s3_offsets.values()),
        "s3_content_mismatches": mismatched,
        "s3_missing_changes": len(expected - in_s3.keys()),
        "s3_duplicate_changes": sum(n - 1 for n in in_s3.values()),
        "problems": problems[:20],
    }
    result["passed"] = (result["kafka_missing"] == 0 and result["s3_missing_offsets"] == 0
                        and result["s3_offsets_written_twice"] == 0 and mismatched == 0
                        and result["s3_missing_changes"] == 0 and not problems)
    return result


def wait_landed(table, kafka, worker, sink, timeout):
    """Until every Postgres change is in Kafka and the sink has committed the topic's end."""
    deadline, started = time.time() + timeout, time.time()
    while True:
        kafka.poll(1.5)
        expected = expected_changes(table)
        seen = {c for c in kafka.records.values() if c is not None}
        ends = kafka.end_offsets()
        committed = {partition: offset for (_, partition), offset in demo.sink_committed(worker.url, sink).items()}
        in_kafka = len(expected & seen)
        landed = sum(min(committed.get(p, 0), end) for p, end in ends.items())
        total = sum(ends.values())
        print(f"\r[faults]   changes {len(expected):7d}  in Kafka {in_kafka:7d}  Kafka records {total:7d}  "
              f"committed to S3 {landed:7d}", end="", file=sys.stderr, flush=True)
        if in_kafka == len(expected) and landed >= total:
            print(file=sys.stderr)
            return time.time() - started
        if time.time() > deadline:
            print(file=sys.stderr)
            log(f"not everything landed within {timeout} s; checking what did")
            return None


def fill_disk(path):
    """Writes a filler file until the filesystem is full; returns its path."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb", buffering=0) as out:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError:
                continue
    return filler


def statuses(worker, connectors):
    out = []
    for name in connectors:
        try:
            status = worker.request("GET", f"/connectors/{name}/status")
            out.append(f"{name}={status['connector']['state']}/" + ",".join(t["state"] for t in status["tasks"]))
        except (OSError, ValueError, KeyError):
            out.append(f"{name}=?")
    return " ".join(out)


def main():
    binary, work = sys.argv[1], sys.argv[2]
    run = "faults_" + time.strftime("%Y%m%d_%H%M%S")
    table = f"{run}.events"
    topic = f"{run}.{run}.events"
    data = os.path.join(work, "data")
    os.makedirs(data, exist_ok=True)
    # The worker's data directory (connector configs, status, audit trail) on a 16 MiB tmpfs, so
    # that the disk-full fault fills exactly it.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "sluice-faults", data], check=True)
    worker = Worker(binary, data, os.path.join(work, "worker.log"))
    workload = Workload(table)
    results = []
    try:
        demo.psql(f"create schema {run}; create table {table} (id bigserial primary key, "
                  f"version int not null default 0, payload text not null)")
        log(f"work directory {work}; worker data on tmpfs {data}")
        worker.start()
        cdc = json.load(open(f"{root}/config/postgres-cdc-source.json"))
        cdc["config"].update({"topic.prefix": run, "table.include.list": f"{run}\\.events", "slot.name": run,
                              "publication.name": run, "slot.drop.on.stop": "false", "heartbeat.interval.ms": "2000",
                              "errors.retry.timeout": "300000"})
        sink = json.load(open(f"{root}/config/orders-s3-sink.json"))
        sink["config"].update({"topics": topic, "topics.dir": f"faults/{run}", "flush.size": "500",
                               "rotate.interval.ms": "3000", "errors.retry.timeout": "300000"})
        cdc_name, sink_name = f"{run}-cdc", f"{run}-s3"
        worker.request("PUT", f"/connectors/{cdc_name}/config", cdc["config"])
        worker.request("PUT", f"/connectors/{sink_name}/config", sink["config"])
        log(f"pipeline {cdc_name} → {topic} → {sink_name} → s3://sluice-data/faults/{run}/ created over REST")
        workload.start()
        workload.running.set()
        kafka = KafkaReader(topic)
        s3 = S3Reader("sluice-data", f"faults/{run}/")

        def kill9():
            worker.kill(signal.SIGKILL)
            time.sleep(1)
            worker.start()

        def broker_restart():
            stack("stack-down", "tansu")
            stack("stack-up")

        def postgres_restart():
            stack("stack-down", "postgres")
            time.sleep(2)
            stack("stack-up")

        def s3_down():
            stack("stack-down", "weed")
            time.sleep(30)
            stack("stack-up")

        def disk_full():
            filler = fill_disk(data)
            log(f"  {data} is full ({os.path.getsize(filler)} filler bytes); holding 20 s")
            time.sleep(20)
            os.remove(filler)

        def config_update():
            sink["config"]["flush.size"] = "700"
            cdc["config"]["max.batch.size"] = "1024"
            worker.request("PUT", f"/connectors/{sink_name}/config", sink["config"])
            worker.request("PUT", f"/connectors/{cdc_name}/config", cdc["config"])

        faults = [("kill-9", kill9), ("broker-restart", broker_restart), ("postgres-restart", postgres_restart),
                  ("s3-down-30s", s3_down), ("disk-full", disk_full), ("config-update", config_update)]
        for name, inject in faults:
            workload.running.set()
            time.sleep(5)
            log(f"{name}: injecting while the workload runs ({workload.committed} transactions so far)")
            began = time.time()
            inject()
            fault_seconds = time.time() - began
            time.sleep(5)
            workload.running.clear()
            log(f"{name}: done in {fault_seconds:.1f} s; workload paused; waiting for every change to land "
                f"({statuses(worker, [cdc_name, sink_name])})")
            drained = wait_landed(table, kafka, worker, sink_name, timeout=180)
            result = check(name, table, kafka, s3)
            result["fault_seconds"] = round(fault_seconds, 1)
            result["seconds_to_land"] = round(drained, 1) if drained is not None else None
            results.append(result)
            log(f"{name}: {'PASS' if result['passed'] else 'FAIL'} "
                + json.dumps({k: v for k, v in result.items() if k not in ("fault", "problems")}))
            for problem in result["problems"]:
                log(f"  {problem}")
            if not result["passed"]:
                log("stopping here: the counts are cumulative, so every later fault would fail too")
                break
        worker.request("DELETE", f"/connectors/{sink_name}")
        worker.request("DELETE", f"/connectors/{cdc_name}")
    finally:
        workload.stopped.set()
        if worker.process and worker.process.poll() is None:
            worker.kill(signal.SIGTERM)
        subprocess.run(["umount", "-l", data], check=False)
        try:
            demo.psql(f"select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '{run}';"
                      f" drop publication if exists {run}; drop schema if exists {run} cascade")
        except subprocess.CalledProcessError as error:
            log(f"cleanup: {error.stderr.strip()}")

    print_table(results)
    json.dump({"run": run, "results": results}, open(os.path.join(work, "faults.json"), "w"), indent=2)
    log(f"results: {work}/faults.json   worker log: {work}/worker.log")
    sys.exit(0 if results and all(r["passed"] for r in results) else 1)


def print_table(results):
    columns = [("fault", "fault"), ("changes", "changes_in_postgres"), ("kafka missing", "kafka_missing"),
               ("kafka dups", "kafka_duplicates"), ("s3 objects", "s3_objects"), ("s3 records", "s3_records"),
               ("s3 missing", "s3_missing_offsets"), ("s3 twice", "s3_offsets_written_twice"),
               ("s3 ≠ kafka", "s3_content_mismatches"), ("s3 dup changes", "s3_duplicate_changes"),
               ("fault s", "fault_seconds"), ("land s", "seconds_to_land"), ("result", "passed")]
    rows = [[h for h, _ in columns]]
    for r in results:
        rows.append([("PASS" if r[k] else "FAIL") if k == "passed" else str(r[k]) for _, k in columns])
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    print()
    for row in rows:
        print("  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    print("\nkafka dups / s3 dup changes: changes delivered more than once by the at-least-once source (cumulative);"
          "\ns3 twice: Kafka records written to S3 more than once (must be 0); s3 missing: Kafka offsets not in S3.")


if __name__ == "__main__":
    main()
