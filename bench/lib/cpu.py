"""CPU seconds (user + system) used so far by each named process tree: the process, its live
descendants, and the children it has already reaped (a Postgres backend that exited counts in
the postmaster's). Prints one JSON object; a pid that is gone counts 0.

  cpu.py NAME=PID [NAME=PID ...]      e.g. cpu.py broker=1234 s3=5678
"""
import json
import os
import sys

tick = os.sysconf("SC_CLK_TCK")


def stat(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    # after the name: state ppid ... utime(11) stime(12) cutime(13) cstime(14) (0-based from state)
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def tree(root):
    parents, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)], ticks[int(entry)] = stat(entry)
            except OSError:
                pass
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += ticks.get(pid, 0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return round(total / tick, 1)


print(json.dumps({name: tree(int(pid)) for name, pid in (arg.split("=", 1) for arg in sys.argv[1:])}))
