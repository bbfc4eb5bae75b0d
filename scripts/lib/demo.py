"""Helpers for scripts/demo: workload generation, progress and the final report.

Every step talks to the real local stack (Postgres via psql, Kafka via confluent-kafka's
librdkafka, S3 via boto3 with SigV4)."""
import json
import os
import subprocess
import sys
import time

env = os.environ


def psql(sql):
    return subprocess.run(
        ["psql", "-h", env["SLUICE_PG_HOST"], "-p", env["SLUICE_PG_PORT"], "-U", env["SLUICE_PG_USER"], "-d",
         env["SLUICE_PG_DATABASE"], "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
        env={**env, "PGPASSWORD": env["SLUICE_PG_PASSWORD"]}, check=True, capture_output=True, text=True).stdout


def s3():
    import boto3
    return boto3.client("s3", endpoint_url=env["SLUICE_S3_ENDPOINT"], region_name=env["SLUICE_S3_REGION"],
                        aws_access_key_id=env["SLUICE_S3_ACCESS_KEY"], aws_secret_access_key=env["SLUICE_S3_SECRET_KEY"])


def setup(schema, seed):
    psql(f"""
        create schema {schema};
        create table {schema}.customers (id serial primary key, name text not null, email text, region text not null default 'eu-central-1');
        create table {schema}.orders (id bigserial primary key, customer_id int not null, amount numeric(10,2) not null,
            status text not null default 'new', created_at timestamptz not null default now());
        insert into {schema}.customers (name, email) select 'customer ' || g, 'c' || g || '@example.com' from generate_series(1, {seed}) g;
    """)


def workload(schema, transactions, per_tx):
    """Inserts, updates and deletes in `transactions` transactions, with a progress line."""
    changes = 0
    for t in range(transactions):
        psql(f"""
            begin;
            insert into {schema}.orders (customer_id, amount) select 1 + (g % 500), round((random() * 500)::numeric, 2)
              from generate_series(1, {per_tx}) g;
            update {schema}.orders set status = 'paid' where id % 7 = {t % 7} and status = 'new';
            delete from {schema}.orders where id = {t * per_tx + 1};
            update {schema}.customers set email = 'changed-{t}@example.com' where id = {t + 1};
            commit;
        """)
        changes += per_tx + 2
        print(f"\r[sluice] workload: transaction {t + 1}/{transactions} committed", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def end_offsets(topics, quiet=3.0, limit=60.0):
    """The next offset of every partition of `topics`, found by reading them to the end
    (manual assignment from the beginning: no consumer group to join)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": env["SLUICE_KAFKA_BOOTSTRAP"], "group.id": "sluice-demo-probe",
                         "enable.auto.commit": False})
    partitions = []
    for topic in topics:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        partitions += [TopicPartition(topic, p, OFFSET_BEGINNING) for p in metadata.partitions]
    consumer.assign(partitions)
    ends, start, last = {}, time.time(), None
    while time.time() - start < limit and (last is None or time.time() - last < quiet):
        for message in consumer.consume(num_messages=5000, timeout=0.5):
            if message.error():
                continue
            key = (message.topic(), message.partition())
            ends[key] = max(ends.get(key, 0), message.offset() + 1)
            last = time.time()
    consumer.close()
    return ends


def sink_committed(offsets_file, connector):
    try:
        entries = json.load(open(offsets_file))["entries"]
    except (OSError, ValueError, KeyError):
        return {}
    return {(e["key"][1]["kafka_topic"], e["key"][1]["kafka_partition"]): e["offset"]["kafka_offset"]
            for e in entries if e["key"][0] == connector and e["offset"]}


def wait_landed(topics, offsets_file, connector, timeout):
    """Waits until the S3 sink has committed (= written to S3) every record of `topics`."""
    ends = end_offsets(topics)
    total = sum(ends.values())
    deadline = time.time() + timeout
    while True:
        committed = sink_committed(offsets_file, connector)
        landed = sum(min(committed.get(key, 0), end) for key, end in ends.items())
        print(f"\r[sluice] change events in Kafka: {total:6d}   written to S3 and committed: {landed:6d}", end="", file=sys.stderr, flush=True)
        if landed >= total:
            print(file=sys.stderr)
            return total
        if time.time() > deadline:
            print(file=sys.stderr)
            sys.exit(f"[sluice] error: records did not all land in S3 within {timeout}s; see the worker log")
        time.sleep(1)


def report(bucket, prefix, offsets_file, cdc, sink, work):
    client = s3()
    objects = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    lines = sum(client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().count(b"\n") for o in objects)
    print("[sluice] done")
    print(f"  S3 objects         s3://{bucket}/{prefix}  ({len(objects)} objects, {lines} records)")
    for o in objects[:6]:
        print(f"    {o['Key']}  {o['Size']} bytes")
    if len(objects) > 6:
        print(f"    … {len(objects) - 6} more")
    print(f"  committed offsets  {offsets_file}")
    for e in json.load(open(offsets_file))["entries"]:
        print(f"    {json.dumps(e['key'])} -> {json.dumps(e['offset'])} (worker {e['worker']}, seq {e['sequence']})")
    print("  residency evidence")
    print(f"    source-offsets, sink-checkpoints  location standalone-file ({offsets_file}), level declared")
    print(f"    records (Kafka)                   {env['SLUICE_KAFKA_BOOTSTRAP']} cluster {env['SLUICE_KAFKA_CLUSTER_ID']}, level declared")
    print(f"    records (S3)                      s3://{bucket} at {env['SLUICE_S3_ENDPOINT']} region {env['SLUICE_S3_REGION']}, level declared")
    print("    (verified/attested levels and the policy check come with the sovereign-checkpointing work)")
    print(f"  worker log         {work}/worker.log")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        setup(sys.argv[2], int(sys.argv[3]))
    elif command == "workload":
        workload(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif command == "wait":
        wait_landed(sys.argv[2].split(","), sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif command == "report":
        report(*sys.argv[2:8])
