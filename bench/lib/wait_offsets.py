"""Waits, in one process, until a benchmark's worker has committed everything (read from its
standalone offsets file every 50 ms); exits 1 if the worker exits first.

  wait_offsets.py FILE PID cdc ROWS COMMIT_LSN   the CDC insert (one transaction of ROWS events)
                                                 is committed up to the transaction's commit LSN
  wait_offsets.py FILE PID sink TOPIC RECORDS    the sink's committed offsets of TOPIC sum to RECORDS
"""
import json
import sys
import time

from process import exited

path, pid, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def done(entries):
    if mode == "cdc":
        rows, commit = int(sys.argv[4]), int(sys.argv[5])
        return any(e["offset"].get("events_in_lsn", 0) >= rows and e["offset"].get("lsn_commit", 0) >= commit - 4096
                   for e in entries if e["offset"])
    topic, records = sys.argv[4], int(sys.argv[5])
    return sum(e["offset"]["kafka_offset"] for e in entries if e["key"][1].get("kafka_topic") == topic and e["offset"]) >= records


while True:
    try:
        if done(json.load(open(path))["entries"]):
            sys.exit(0)
    except (OSError, ValueError, KeyError):
        pass  # not written yet, or caught mid-replace
    if exited(pid):
        sys.exit(f"the worker (pid {pid}) exited before committing everything")
    time.sleep(0.05)
