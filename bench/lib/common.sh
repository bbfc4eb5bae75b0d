# Shared by the bench scripts (sourced after scripts/lib/env.sh).

# CPU seconds used so far by the local stack's services, and by the extra NAME=PID pairs given:
# one JSON object (bench/lib/cpu.py). A phase's cost is the difference of two readings.
stack_cpu() {
  python3 "$SLUICE_ROOT/bench/lib/cpu.py" broker="$(cat "$SLUICE_STACK_DIR/run/tansu.pid")" \
    s3="$(cat "$SLUICE_STACK_DIR/run/weed.pid")" \
    postgres="$(head -1 "$(cat "$SLUICE_STACK_DIR/run/pg.datadir")/postmaster.pid")" "$@"
}
