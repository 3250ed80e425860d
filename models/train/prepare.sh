#!/usr/bin/env bash
# Decodes ../shared/data to WAV and computes features with the project's own Java extractor, so
# training and serving share one implementation. Idempotent: decoding skips finished files.
# Also writes the telephony copies (--telephony mulaw|alaw: 8 kHz band limit + G.711 round trip,
# same manifest and layout) to $WORK/features-mulaw and $WORK/features-alaw for train.py
# --telephony-prob; those are skipped when the manifest, the spec and the jar are the ones they were made with.
# JAR overrides the jar (default target/emostream.jar, built if missing).
# SPEED=1 also writes speed-perturbed copies (0.9x, 1.1x) to $WORK/<features>-speed0.9/-speed1.1 for
# train.py --speed-prob.
# SPEC=FILE computes the features of another spec (default models/feature-spec.json) and FEATURES=NAME
# writes them to $WORK/NAME and its copies to $WORK/NAME-mulaw etc. (default features-vad or features).
# VAD=1 (the default, since 0.3.0) writes the frames of speech alone (`features --vad`: what the
# service's speech gate passes to the model) to $WORK/features-vad and its telephony copies to
# $WORK/features-vad-mulaw/-alaw; VAD=0 every frame, to $WORK/features (0.1.0, 0.2.0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${DATA:-$root/../shared/data}
work=${WORK:-/tmp/emostream-train}
jar=${JAR:-$root/target/emostream.jar}
spec=${SPEC:-$root/models/feature-spec.json}
features=features
vad_flag=()
if [ "${VAD:-1}" = 1 ]; then
    features=features-vad
    vad_flag=(--vad)
fi
features=${FEATURES:-$features}

echo "== decoding $data -> $work/wav"
"$data/decode.sh" "$work/wav"
if [ ! -f "$jar" ]; then
    echo "== building $jar"
    (cd "$root" && mvn -q -B -DskipTests package)
fi
echo "== features ($spec${vad_flag[*]:+, speech only})"
for manifest in "$work"/wav/*/manifest.csv; do
    corpus=$(basename "$(dirname "$manifest")")
    # With VAD=1 a clip without speech fails (exit 3: some files failed); the others are written.
    java -jar "$jar" features --spec "$spec" --manifest "$manifest" \
        ${vad_flag[@]+"${vad_flag[@]}"} -o "$work/$features/$corpus" || { [ $? = 3 ] && [ -n "${vad_flag[*]:-}" ]; }
done
# make_copy NAME OPTION...: every corpus's features with extra `emostream features` options, into
# $WORK/<features>-NAME; skipped when made from the same manifest, spec and jar.
make_copy() {
    local name=$1
    shift
    for manifest in "$work"/wav/*/manifest.csv; do
        corpus=$(basename "$(dirname "$manifest")")
        out="$work/$features-$name/$corpus"
        # decode.sh rewrites the manifests, so "up to date" is by content, not by time
        stamp="$name ${vad_flag[*]:-} $(cat "$manifest" "$spec" "$jar" | sha256sum | cut -d' ' -f1)"
        if [ -f "$out/features.csv" ] && [ "$(cat "$out/.prepared" 2>/dev/null)" = "$stamp" ]; then
            echo "$name $corpus: up to date"
            continue
        fi
        rm -f "$out/.prepared"
        java -jar "$jar" features --spec "$spec" --manifest "$manifest" \
            "$@" ${vad_flag[@]+"${vad_flag[@]}"} -o "$out" || { [ $? = 3 ] && [ -n "${vad_flag[*]:-}" ]; }
        echo "$stamp" > "$out/.prepared"
    done
}

echo "== telephony features (mulaw, alaw)"
make_copy mulaw --telephony mulaw
make_copy alaw --telephony alaw
if [ "${SPEED:-0}" = 1 ]; then
    # Speed perturbation (train.py --speed-prob): every clip played 0.9 and 1.1 times as fast by the
    # project's resampler (tempo and pitch together), then the same extractor (and VAD, with VAD=1).
    echo "== speed-perturbed features (0.9, 1.1)"
    make_copy speed0.9 --speed 0.9
    make_copy speed1.1 --speed 1.1
fi
