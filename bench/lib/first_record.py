"""Prints the wall-clock time (seconds since the epoch) at which a benchmark's worker had taken its
first record: it reads the worker's REST address from its log, then polls `GET /metrics` every
20 ms until a task's `sluice_task_records_total` is above 0. Exits 1 if the worker exits first.

  first_record.py LOG PID

The benchmarks use it to split a run into start-up (process start, consumer-group join, first
fetch) and the time spent moving records.
"""
import re
import sys
import time
import urllib.request

from process import exited

log, pid = sys.argv[1], int(sys.argv[2])
url = None
while not exited(pid):
    if url is None:
        try:
            found = re.search(r"url=(http://\S+) \[sluice\] REST API listening", open(log).read())
            url = found and found.group(1) + "/metrics"
        except OSError:
            pass
    if url:
        try:
            text = urllib.request.urlopen(url, timeout=1).read().decode()
            if any(float(line.rsplit(" ", 1)[1]) > 0 for line in text.splitlines()
                   if line.startswith("sluice_task_records_total")):
                print(f"{time.time():.3f}")
                sys.exit(0)
        except (OSError, ValueError, IndexError):
            pass  # not listening yet, or caught mid-write
    time.sleep(0.02)
sys.exit(f"the worker (pid {pid}) exited before taking a record")
