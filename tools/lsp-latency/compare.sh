#!/usr/bin/env bash
# Runs lsp-latency for pacto-lsp and yaml-language-server on the typical contract and on a
# generated ~10,000-line one, and leaves one table (.txt) and one JSON object per run in
# tools/lsp-latency/results/ (or $OUT). See README.md and docs/benchmarks.md.
#
#   EDITS=200 COMPLETIONS=50 OPEN=100 tools/lsp-latency/compare.sh
#
# PACTO_LSP=/path/to/pacto-lsp uses that binary instead of building target/release/pacto-lsp.
# NODELAY=1 adds a third server: yaml-language-server with its fixed 200 ms validation debounce
# patched to 0 (a copy in a temp dir; the installed package is not touched), to see how long its
# validation itself takes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${OUT:-$here/results}
edits=${EDITS:-200}
completions=${COMPLETIONS:-50}
open=${OPEN:-100}
mkdir -p "$out"

if [ -z "${PACTO_LSP:-}" ]; then
    (cd "$repo" && cargo build --release --quiet)
fi
pacto_bin=${PACTO_LSP:-$repo/target/release/pacto-lsp}
(cd "$here" && cargo build --release --quiet)
if [ ! -d "$here/node_modules/yaml-language-server" ]; then
    (cd "$here" && npm install --no-audit --no-fund)
fi

harness="$here/target/release/lsp-latency"
pacto="$pacto_bin --stdio"
yls="node $here/node_modules/yaml-language-server/bin/yaml-language-server --stdio"
servers=("pacto-lsp|$pacto" "yaml-language-server|$yls")

if [ "${NODELAY:-0}" = 1 ]; then
    patched=$(mktemp -d)
    trap 'rm -rf "$patched"' EXIT
    cp -r "$here/node_modules" "$patched/"
    find "$patched/node_modules/yaml-language-server" -name yamlSettings.js \
        -exec sed -i 's/this.validationDelayMs = 200;/this.validationDelayMs = 0;/' {} +
    grep -q 'validationDelayMs = 0;' "$patched/node_modules/yaml-language-server/out/server/src/yamlSettings.js"
    servers+=("yaml-language-server-nodelay|node $patched/node_modules/yaml-language-server/bin/yaml-language-server --stdio")
fi

common=(
    --bundle "$repo/benches/data/bundle"
    --modeline "file://$repo/schemas/pacto-v1.1.schema.json"
    --edits "$edits" --completions "$completions" --open "$open"
)
{
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "pacto-lsp: $pacto_bin ($(sha256sum "$pacto_bin" | cut -c1-12)); repo at $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' with uncommitted changes in src')"
    echo "yaml-language-server: $(node "$here/node_modules/yaml-language-server/bin/yaml-language-server" --version)"
    echo "node: $(node --version)"
} | tee "$out/machine.txt"

for contract in typical large; do
    case $contract in
        typical) source=(--contract "$repo/benches/data/typical.pacto.yaml") ;;
        large) source=(--generate-lines 10000) ;;
    esac
    for entry in "${servers[@]}"; do
        label=${entry%%|*}
        command=${entry#*|}
        echo "== $label on $contract"
        "$harness" --server "$command" --label "$label" "${source[@]}" "${common[@]}" \
            --json-out "$out/$contract-$label.json" | tee "$out/$contract-$label.txt" \
            || echo "!! $label on $contract failed (see above)"
    done
done
