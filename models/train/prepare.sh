#!/usr/bin/env bash
# Decodes ../shared/data to WAV and computes features with the project's own Java extractor, so
# training and serving share one implementation. Idempotent: decoding skips finished files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
work=${WORK:-/tmp/emostream-train}
jar="$root/target/emostream.jar"

echo "== decoding $data -> $work/wav"
"$data/decode.sh" "$work/wav"
if [ ! -f "$jar" ]; then
    echo "== building $jar"
    (cd "$root" && mvn -q -B -DskipTests package)
fi
echo "== features (models/feature-spec.json)"
for manifest in "$work"/wav/*/manifest.csv; do
    corpus=$(basename "$(dirname "$manifest")")
    java -jar "$jar" features --spec "$root/models/feature-spec.json" --manifest "$manifest" \
        -o "$work/features/$corpus"
done
