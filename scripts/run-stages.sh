#!/usr/bin/env bash
# Run named stages in order, print how long each took, and stop at the first
# that fails. Usage: run-stages.sh "name::command" ...
set -uo pipefail

declare -a names=() secs=() results=()
total_start=$(date +%s)
status=0
for stage in "$@"; do
  name=${stage%%::*}
  cmd=${stage#*::}
  echo
  echo "=== stage: $name"
  start=$(date +%s)
  bash -c "$cmd"
  rc=$?
  names+=("$name"); secs+=($(( $(date +%s) - start )))
  if [ "$rc" -ne 0 ]; then
    results+=("FAILED (exit $rc)"); status=$rc
    break
  fi
  results+=("ok")
done

echo
echo "=== stage times"
for i in "${!names[@]}"; do
  printf '%-28s %6ss  %s\n' "${names[$i]}" "${secs[$i]}" "${results[$i]}"
done
printf '%-28s %6ss\n' "total" "$(( $(date +%s) - total_start ))"
exit "$status"
