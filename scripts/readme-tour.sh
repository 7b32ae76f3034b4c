#!/usr/bin/env bash
# Runs the README's five-minute tour as written, with the binary in
# BIN_DIR (default target/debug), and fails naming the first command that
# failed. Two things are adapted to a test machine, nothing else: the build
# line is skipped (the caller built the binary), and each `sleep 1` that
# waits for the server waits until it answers instead.
set -uo pipefail
cd "$(dirname "$0")/.."
bin_dir=$(cd "${BIN_DIR:-target/debug}" && pwd)
tour=$(mktemp)
awk '/^## Five-minute tour/{on=1; next} /^## /{on=0} on && /^```sh$/{code=1; next} on && /^```$/{code=0; next} on && code' README.md |
  sed -e '/^cargo build --release$/d' \
    -e "s|\$PWD/target/release|$bin_dir|" \
    -e 's|^sleep 1$|until curl -s -o /dev/null http://127.0.0.1:8080/v1/health; do sleep 0.2; done|' > "$tour"
[ -s "$tour" ] || { echo "tour: no commands found in README.md" >&2; exit 1; }
cat > "$tour.run" <<'HEADER'
failed=0
trap 'case "$BASH_COMMAND" in wait*) ;; *) echo "tour: FAILED at line $LINENO: $BASH_COMMAND" >&2; failed=1 ;; esac' ERR
HEADER
cat "$tour" >> "$tour.run"
echo 'exit $failed' >> "$tour.run"
echo "tour: $(grep -c . "$tour") commands from README.md"
bash "$tour.run" > "$tour.out" 2>&1
status=$?
if [ $status -ne 0 ]; then
  tail -40 "$tour.out"
  echo "tour: failed" >&2
else
  echo "tour: every command ran"
fi
rm -f "$tour" "$tour.run" "$tour.out"
exit $status
