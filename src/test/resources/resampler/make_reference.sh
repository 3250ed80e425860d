#!/bin/sh
# Regenerates the sox reference data used by dev.emostream.audio.ResamplerReferenceTest.
#
# For each input rate R this writes, as raw mono float32 little-endian:
#   input_R.f32        0.5 s test signal at rate R, peak <= 0.5 (so nothing clips in sox)
#   sox_R_to_16000.f32 that signal through sox's very-high-quality resampler: rate -v 16000
#
# The signal, with B = 0.85 x the lower of the input and output Nyquist frequencies, is the sum of
#   - a logarithmic chirp from 50 Hz to B,
#   - three steady tones at 0.11, 0.37 and 0.71 x the lower Nyquist,
#   - white noise low-passed by sox's sinc filter to 0.75 x the lower Nyquist (stop band from
#     0.80, well below B),
# faded in and out over 30 ms with a half-sine so the edges carry little out-of-band energy.
# Everything therefore lies where both resamplers are flat, and the test can compare them tightly.
#
# Deterministic: sox -R seeds its noise generator with a fixed value, and -D disables dither.
# Requires: sox (14.4.2 was used), awk. Run from anywhere: sh make_reference.sh
set -eu
cd "$(dirname "$0")"

RAW="-t raw -e floating-point -b 32 -L -c 1"
OUT_RATE=16000
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for rate in 8000 11025 22050 32000 44100 48000; do
    lower_nyquist=$(awk -v r="$rate" -v o="$OUT_RATE" 'BEGIN { print (r < o ? r : o) / 2 }')
    frac() { awk -v n="$lower_nyquist" -v f="$1" 'BEGIN { printf "%d", n * f }'; }
    chirp_top=$(frac 0.85)
    noise_cut=$(frac 0.75)
    noise_transition=$(frac 0.05)

    sox -R -D -n -r "$rate" $RAW "$TMP/tones.f32" \
        synth 0.5 sine 50/"$chirp_top" sine mix "$(frac 0.11)" sine mix "$(frac 0.37)" sine mix "$(frac 0.71)" \
        vol 0.06
    sox -R -D -n -r "$rate" $RAW "$TMP/noise.f32" \
        synth 0.5 whitenoise vol 0.25 sinc -t "$noise_transition" -"$noise_cut"
    sox -R -D -m -v 1 -r "$rate" $RAW "$TMP/tones.f32" -v 1 -r "$rate" $RAW "$TMP/noise.f32" \
        $RAW "input_$rate.f32" fade h 0.03 0 0.03
    sox -R -D -r "$rate" $RAW "input_$rate.f32" $RAW "sox_${rate}_to_$OUT_RATE.f32" rate -v "$OUT_RATE"

    # The rate given to stat is irrelevant: only the extremes are read.
    for f in "input_$rate.f32" "sox_${rate}_to_$OUT_RATE.f32"; do
        peak=$(sox -r 8000 $RAW "$f" -n stat 2>&1 | awk '/Maximum amplitude/ { max = $3 } /Minimum amplitude/ { min = -$3 } END { print (max > min ? max : min) }')
        echo "$f: peak $peak"
        awk -v p="$peak" 'BEGIN { exit !(p <= 0.5) }' || { echo "$f: peak $peak exceeds 0.5" >&2; exit 1; }
    done
done
