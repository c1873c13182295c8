#!/bin/sh
# kill -9 injected at every rename of a publish (strace): `tokenwise run 4 --quick` publishes
# base-quick, alternately trained with seed 1 and seed 2. After each kill the published model must
# be one of the two whole (config, weights and tokenizer hashed together) and load, and the next
# run must sweep what the kill left. Then `tokenwise run` itself is killed mid-lesson: its lesson
# must die with it, storing no stage and publishing nothing afterwards.
# Usage: scripts/check-publish-kills.sh [TOKENWISE] [WORKSPACE]  (quick mode; a few minutes)
set -u
TW=${1:-.build/release/tokenwise}
W=${2:-$(mktemp -d /tmp/tokenwise-publish-kills.XXXXXX)}
MODELS=$W/models
run() { "$TW" run 4 --quick --workspace "$W" "$@" >/dev/null 2>&1; }
model() {   # the published model's three files hashed as one, or "missing" if one is absent
    for f in config.json model.safetensors bpe.tokenizer; do [ -f "$MODELS/base-quick/$f" ] || { echo missing; return; }; done
    cat "$MODELS/base-quick/config.json" "$MODELS/base-quick/model.safetensors" "$MODELS/base-quick/bpe.tokenizer" | sha1sum | cut -c1-16
}
loads() { "$TW" step --model base-quick --workspace "$W" --steps 1 --temperature 0 a >/dev/null 2>&1; }
staging() {   # what a publish leaves besides the name, its link target and the lock
    current=$(readlink "$MODELS/base-quick")
    ls -A "$MODELS" | grep -v -x -e base-quick -e .lock -e "$current" | grep '^\.base-quick'
}

run --set seed=2 || { echo "setup: run 4 --quick --set seed=2 failed"; exit 1; }
TWO=$(model)
run --set seed=1 || { echo "setup: run 4 --quick failed"; exit 1; }
ONE=$(model)
[ "$ONE" != "$TWO" ] || { echo "setup: seeds 1 and 2 published the same model"; exit 1; }
failures=0 kills=0
now=$ONE next="--set seed=2" nextHash=$TWO
for call in rename renameat renameat2; do
    n=1
    while [ $n -le 40 ]; do
        strace -f -qq -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$n \
            "$TW" run 4 --quick --workspace "$W" $next >/dev/null 2>&1
        status=$?
        got=$(model)
        if [ "$got" != "$now" ] && [ "$got" != "$nextHash" ]; then
            echo "FAIL: kill at $call #$n left neither model ($got)"; failures=$((failures + 1))
        elif ! loads; then
            echo "FAIL: kill at $call #$n left a model that does not load"; failures=$((failures + 1))
        fi
        # The next publish sweeps what the kill left; it publishes the other seed's model.
        if [ "$got" = "$ONE" ]; then other="--set seed=2" otherHash=$TWO; else other="--set seed=1" otherHash=$ONE; fi
        run $other || { echo "FAIL: the run after a kill at $call #$n failed"; failures=$((failures + 1)); }
        if [ "$(model)" != "$otherHash" ]; then
            echo "FAIL: the run after a kill at $call #$n did not publish"; failures=$((failures + 1))
        fi
        if [ -n "$(staging)" ]; then
            echo "FAIL: the run after a kill at $call #$n left staging: $(staging)"; failures=$((failures + 1))
        fi
        now=$otherHash
        if [ "$now" = "$ONE" ]; then next="--set seed=2" nextHash=$TWO; else next="--set seed=1" nextHash=$ONE; fi
        [ $status -eq 0 ] && break   # the run saw no kill: every rename of this call is covered
        kills=$((kills + 1)); n=$((n + 1))
    done
    echo "$call: $((n - 1)) kills, then a run with none"
done

# kill -9 of `tokenwise run` while its lesson trains (a seed not stored yet): afterwards no
# lesson process is left, and nothing more is stored or published.
parentKills=0
for delay in 2 4 8; do
    "$TW" run 4 --quick --workspace "$W" --set seed=$((delay + 1)) >/dev/null 2>&1 &
    parent=$!
    sleep $delay
    pgrep -f "$W/build/" >/dev/null || echo "note: the lesson was not running $delay s in"
    kill -9 $parent; wait $parent 2>/dev/null; parentKills=$((parentKills + 1))
    published=$(model); stored=$(find "$W/artifacts" -name .complete | sort | sha1sum)
    sleep 5
    if pgrep -f "$W/build/" >/dev/null; then
        echo "FAIL: the lesson outlived tokenwise run killed after $delay s"; failures=$((failures + 1))
        for pid in $(pgrep -f "$W/build/"); do kill -9 "$pid"; done
    fi
    if [ "$(find "$W/artifacts" -name .complete | sort | sha1sum)" != "$stored" ] || [ "$(model)" != "$published" ]; then
        echo "FAIL: a stage was stored or a model published after tokenwise run was killed ($delay s)"; failures=$((failures + 1))
    fi
done

echo "$kills kills injected at renames, $parentKills kills of tokenwise run mid-lesson, $failures failures"
[ $failures -eq 0 ] && echo "kill -9 at every rename of a publish: old or new each time, staging swept; the lesson dies with its parent"
exit $failures
