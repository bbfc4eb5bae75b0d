"""Helpers for scripts/demo: workload generation, progress and the final report.

Every step talks to the real local stack (Postgres via psql, Kafka via confluent-kafka's
librdkafka, S3 via boto3 with SigV4)."""
import json
import urllib.request
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


def rest(url, path):
    with urllib.request.urlopen(url + path, timeout=10) as answer:
        return json.load(answer)


def sink_committed(url, connector):
    try:
        entries = rest(url, f"/connectors/{connector}/offsets")["offsets"]
    except (OSError, ValueError, KeyError):
        return {}
    return {(e["partition"]["kafka_topic"], e["partition"]["kafka_partition"]): e["offset"]["kafka_offset"] for e in entries}


def wait_landed(topics, url, connector, timeout):
    """Waits until the S3 sink has committed (= written to S3) every record of `topics`."""
    ends = end_offsets(topics)
    total = sum(ends.values())
    deadline = time.time() + timeout
    while True:
        committed = sink_committed(url, connector)
        landed = sum(min(committed.get(key, 0), end) for key, end in ends.items())
        print(f"\r[sluice] change events in Kafka: {total:6d}   written to S3 and committed: {landed:6d}", end="", file=sys.stderr, flush=True)
        if landed >= total:
            print(file=sys.stderr)
            return total
        if time.time() > deadline:
            print(file=sys.stderr)
            sys.exit(f"[sluice] error: records did not all land in S3 within {timeout}s; see the worker log")
        time.sleep(1)


def report(bucket, prefix, url, cdc, sink, work):
    client = s3()
    objects = client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    lines = sum(client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read().count(b"\n") for o in objects)
    print("[sluice] done")
    print(f"  S3 objects         s3://{bucket}/{prefix}  ({len(objects)} objects, {lines} records)")
    for o in objects[:6]:
        print(f"    {o['Key']}  {o['Size']} bytes")
    if len(objects) > 6:
        print(f"    … {len(objects) - 6} more")
    for connector in (cdc, sink):
        print(f"  committed offsets of {connector} (GET /connectors/{connector}/offsets)")
        for e in rest(url, f"/connectors/{connector}/offsets")["offsets"]:
            print(f"    {json.dumps(e['partition'])} -> {json.dumps(e['offset'])}")
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
