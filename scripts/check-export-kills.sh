#!/bin/sh
# kill -9 injected at every rename of `tokenwise export --force` (strace): each time the target
# must still be the old export whole, and the next export must sweep the staging the kill left.
# Usage: scripts/check-export-kills.sh MODEL_A MODEL_B [TOKENWISE]  (two model folders)
set -u
A=$1; B=$2; TW=${3:-.build/release/tokenwise}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
hash() { sha1sum "$1/model.safetensors" 2>/dev/null | cut -c1-16; }
"$TW" export "$A" "$WORK/out" --no-data >/dev/null || exit 1
OLD=$(hash "$WORK/out")
"$TW" export "$B" "$WORK/ref" --no-data >/dev/null || exit 1
NEW=$(hash "$WORK/ref")
failures=0
for call in rename renameat renameat2; do
    for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
        strace -f -qq -o /dev/null -e trace=$call -e inject=$call:signal=KILL:when=$n \
            "$TW" export "$B" "$WORK/out" --force --no-data >/dev/null 2>&1
        got=$(hash "$WORK/out")
        if [ "$got" != "$OLD" ] && [ "$got" != "$NEW" ] || [ ! -f "$WORK/out/.tokenwise-export" ]; then
            echo "FAIL: kill at $call #$n left neither the old export nor the new"; failures=$((failures + 1))
        fi
        "$TW" export "$A" "$WORK/out" --force --no-data >/dev/null || exit 1
        if ls -a "$WORK" | grep -q '^\.out\.export-'; then
            echo "FAIL: the export after a kill at $call #$n left staging"; failures=$((failures + 1))
        fi
    done
done
[ $failures -eq 0 ] && echo "kill -9 at every rename of an export: old or new each time, staging swept"
exit $failures
