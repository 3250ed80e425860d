#!/usr/bin/env bash
# Regenerates the reference files the dev.emostream.audio tests compare against, using SoX as
# the independent implementation. The outputs are committed so the tests need no SoX.
#
# Requires: sox 14.4 with libsox-fmt-all (written with SoX v14.4.2), perl (to write the raw
# input ramps). Run from anywhere:  src/test/resources/audio/make_reference.sh
# Running it again overwrites every file it made; results are identical for the same SoX build.
#
# Output, relative to this directory:
#   g711/ulaw_decoded.s16le  all 256 mu-law codes (0x00..0xFF, in order) decoded by SoX to s16le
#   g711/alaw_decoded.s16le  the same for A-law
#   g711/ulaw_encoded.u8     all 65536 s16 values (-32768..32767, in order) encoded by SoX to mu-law
#   g711/alaw_encoded.u8     the same for A-law
#   wav/<name>.wav           small WAV files SoX wrote in each format WavReader supports
#   wav/<name>.f32le         SoX's decoding of <name>.wav: raw little-endian 32-bit floats,
#                            interleaved. SoX scales integer samples by 1/32768 like
#                            SampleDecoder, and float files written by SoX read back exactly.
#   unsupported/<name>.wav   files SoX wrote in formats WavReader must reject
#
# Notes:
#   -D disables dither. SoX adds dither by default whenever it reduces precision (here: s16 to
#      the 14-bit mu-law / 13-bit A-law range, and synth's 32-bit samples to 16 bits). Without
#      it the G.711 encode reference would contain noise, not the encoder's decisions.
#   -R makes anything pseudo-random repeatable.
#   SoX's WAV writer picks WAVE_FORMAT_EXTENSIBLE by itself for integer PCM with more than two
#   channels or more than 16 bits; "-t wavpcm" forces the plain format tag instead.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sox_q() { sox -q -D -R "$@"; }

mkdir -p "$here/g711" "$here/wav" "$here/unsupported"
rm -f "$here"/g711/* "$here"/wav/* "$here"/unsupported/*

# --- G.711 ------------------------------------------------------------------------------
perl -e 'print pack("C*", 0..255)' > "$tmp/codes.u8"
perl -e 'print pack("s<*", -32768..32767)' > "$tmp/all.s16le"
for law in mu-law a-law; do
  short="${law%%-*}"; [ "$short" = mu ] && short=ulaw || short=alaw
  sox_q -t raw -r 8000 -c 1 -e "$law" -b 8 "$tmp/codes.u8" \
        -t raw -e signed -b 16 -L "$here/g711/${short}_decoded.s16le"
  # SoX warns that 32766/32767 (mu-law) and 32764..32767 (A-law) clip while rounding to
  # 14/13 bits; that saturation is part of what is being recorded.
  sox -D -R -t raw -r 8000 -c 1 -e signed -b 16 -L "$tmp/all.s16le" \
        -t raw -e "$law" -b 8 "$here/g711/${short}_encoded.u8" 2>/dev/null
done

# --- Supported WAV formats ---------------------------------------------------------------
# Two tones per file so channels differ; 0.05 s at 8 kHz is 400 frames. The amplitude of
# 0.9 keeps synth's output inside [-1, 1] so no format clips.
mono() { sox_q -n -r "$1" -c 1 "${@:2}" synth 0.05 sine 440 sine 1234 remix - vol 0.9; }
multi() { local ch="$1"; shift; sox_q -n -r 8000 -c "$ch" "$@" synth 0.05 sine 440 sine 1234 sine 97 sine 3001 vol 0.9; }

mono 8000  -e signed -b 16        "$here/wav/s16_mono.wav"
mono 16000 -e signed -b 16        "$here/wav/s16_mono_16k.wav"
multi 2    -e signed -b 16        "$here/wav/s16_stereo.wav"
multi 4    -e signed -b 16        "$here/wav/s16_4ch_extensible.wav"
multi 4    -e signed -b 16 -t wavpcm "$here/wav/s16_4ch_wavpcm.wav"
mono 8000  -e floating-point -b 32 "$here/wav/f32_mono.wav"
multi 2    -e floating-point -b 32 "$here/wav/f32_stereo.wav"
mono 8000  -e mu-law -b 8         "$here/wav/mulaw_mono.wav"
multi 3    -e mu-law -b 8         "$here/wav/mulaw_3ch.wav"
mono 8000  -e a-law -b 8          "$here/wav/alaw_mono.wav"
multi 2    -e a-law -b 8          "$here/wav/alaw_stereo.wav"

for wav in "$here"/wav/*.wav; do
  sox_q "$wav" -t raw -e floating-point -b 32 -L "${wav%.wav}.f32le"
done

# --- Unsupported WAV formats -------------------------------------------------------------
short() { sox_q -n -r 8000 -c 1 "$@" synth 0.01 sine 440 vol 0.9; }
short -e unsigned -b 8              "$here/unsupported/u8.wav"
short -e signed -b 24               "$here/unsupported/s24_extensible.wav"
short -e signed -b 24 -t wavpcm     "$here/unsupported/s24_wavpcm.wav"
short -e signed -b 32               "$here/unsupported/s32_extensible.wav"
short -e floating-point -b 64       "$here/unsupported/f64.wav"
short -e ima-adpcm                  "$here/unsupported/ima_adpcm.wav"
short -e ms-adpcm                   "$here/unsupported/ms_adpcm.wav"
short -e gsm-full-rate              "$here/unsupported/gsm.wav"

du -sh "$here"
