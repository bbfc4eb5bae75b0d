"""Helpers the benchmark scripts share (imported from this directory)."""


def exited(pid):
    """Whether process `pid` is gone or a zombie (it has exited, and nobody reaped it yet)."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True
