package dev.emostream.features;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.emostream.audio.Resampler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every parameter of the feature computation, in one place. The file lives in {@code models/}
 * beside the model that was trained on these features and travels with it, so a service can refuse
 * a model whose features it would compute differently.
 *
 * <p>Frame {@code i} covers input samples {@code [i*hop, i*hop + win)}; the window is zero-padded
 * to {@code n_fft}. There is no centring, no pre-emphasis, no dither and no per-utterance
 * normalisation: any of those would make streaming output differ from offline output.
 *
 * <p>{@code periodicity} (optional, absent in the shipped spec) appends voice-periodicity bands to
 * each frame: see {@link PeriodicityAnalysis}.
 */
public record FeatureSpec(
        @JsonProperty(value = "version", required = true) int version,
        @JsonProperty(value = "sample_rate", required = true) int sampleRate,
        @JsonProperty(value = "win_length", required = true) int winLength,
        @JsonProperty(value = "hop_length", required = true) int hopLength,
        @JsonProperty(value = "n_fft", required = true) int nFft,
        @JsonProperty(value = "window", required = true) String window,
        @JsonProperty(value = "power", required = true) double power,
        @JsonProperty(value = "n_mels", required = true) int nMels,
        @JsonProperty(value = "f_min", required = true) double fMin,
        @JsonProperty(value = "f_max", required = true) double fMax,
        @JsonProperty(value = "mel_scale", required = true) String melScale,
        @JsonProperty(value = "mel_norm", required = true) String melNorm,
        @JsonProperty(value = "log_floor", required = true) double logFloor,
        @JsonProperty(value = "n_mfcc", required = true) int nMfcc,
        @JsonProperty(value = "dct_norm", required = true) String dctNorm,
        @JsonProperty(value = "output", required = true) String output,
        @JsonProperty("periodicity") @JsonInclude(JsonInclude.Include.NON_NULL) Periodicity periodicity) {

    /**
     * Voice-periodicity bands: the frame's normalised autocorrelation (Boersma 1993), its maximum
     * over {@code bands} log-spaced ranges of lag between the periods of {@code f_max} and
     * {@code f_min} Hz; {@link PeriodicityAnalysis} computes them.
     */
    public record Periodicity(
            @JsonProperty(value = "bands", required = true) int bands,
            @JsonProperty(value = "f_min", required = true) double fMin,
            @JsonProperty(value = "f_max", required = true) double fMax) {
    }

    /** The spec version this extractor computes. */
    public static final int SUPPORTED_VERSION = 1;

    private static final String SUPPORTED_RATES = Arrays.stream(Resampler.supportedRates())
            .mapToObj(Integer::toString).collect(Collectors.joining(", "));

    /**
     * Strict: a spec is a contract between training and serving, so 400.9 or "400" for an int, or
     * "2.0" for a number, are errors rather than values Jackson would quietly truncate or convert.
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfigDefaults(config -> config
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public FeatureSpec {
        List<String> problems = new ArrayList<>();
        if (version != SUPPORTED_VERSION) {
            problems.add("version " + version + " (this extractor computes version " + SUPPORTED_VERSION + ")");
        }
        if (!Resampler.isSupportedRate(sampleRate)) {
            problems.add("sample_rate " + sampleRate + " (the resampler outputs " + SUPPORTED_RATES + " Hz)");
        }
        if (winLength < 16 || winLength > 65_536) {
            problems.add("win_length " + winLength + " outside [16, 65536]");
        }
        if (hopLength < 1 || hopLength > winLength) {
            problems.add("hop_length " + hopLength + " must be in [1, win_length]");
        }
        if (nFft < winLength || nFft > 65_536) {
            problems.add("n_fft " + nFft + " must be in [win_length, 65536]");
        } else if (Integer.bitCount(nFft) != 1) {
            // JTransforms allocates on every transform of other sizes; the extractor promises none.
            problems.add("n_fft " + nFft + " must be a power of two (e.g. " + Integer.highestOneBit(nFft) * 2 + ")");
        }
        if (!"hann_periodic".equals(window) && !"hann_symmetric".equals(window)
                && !"hamming_periodic".equals(window)) {
            problems.add("window '" + window + "' (supported: hann_periodic, hann_symmetric, hamming_periodic)");
        }
        if (power != 1.0 && power != 2.0) {
            problems.add("power " + power + " (supported: 1.0 magnitude, 2.0 power)");
        }
        if (!(fMin >= 0) || !(fMax > fMin) || fMax > sampleRate / 2.0) {
            problems.add("f_min " + fMin + " / f_max " + fMax + " must satisfy 0 <= f_min < f_max <= sample_rate/2");
        }
        if (nMels < 1 || nMels > 512) {
            problems.add("n_mels " + nMels + " outside [1, 512]");
        } else if ("mfcc".equals(output) && Integer.bitCount(nMels) != 1) {
            // The DCT over the mel bands allocates per frame for other sizes (log_mel needs no DCT).
            problems.add("n_mels " + nMels + " must be a power of two when output is mfcc (e.g. "
                    + Integer.highestOneBit(nMels) + " or " + Integer.highestOneBit(nMels) * 2 + ")");
        }
        if (!"slaney".equals(melScale) && !"htk".equals(melScale)) {
            problems.add("mel_scale '" + melScale + "' (supported: slaney, htk)");
        }
        if (!"slaney".equals(melNorm) && !"none".equals(melNorm)) {
            problems.add("mel_norm '" + melNorm + "' (supported: slaney, none)");
        }
        if (!(logFloor > 0) || Double.isInfinite(logFloor)) {
            problems.add("log_floor " + logFloor + " must be a positive number");
        }
        if (nMfcc < 1 || nMfcc > nMels) {
            problems.add("n_mfcc " + nMfcc + " must be in [1, n_mels]");
        }
        if (!"ortho".equals(dctNorm)) {
            problems.add("dct_norm '" + dctNorm + "' (supported: ortho)");
        }
        if (!"mfcc".equals(output) && !"log_mel".equals(output)) {
            problems.add("output '" + output + "' (supported: mfcc, log_mel)");
        }
        if (periodicity != null) {
            problems.addAll(PeriodicityAnalysis.problems(periodicity, sampleRate, winLength, nFft));
        }
        if (!problems.isEmpty()) {
            throw new FeatureSpecException("unsupported feature spec: " + String.join("; ", problems));
        }
    }

    /** Number of values in one output frame: the mel or cepstral values, then the periodicity bands. */
    public int featureCount() {
        return spectralFeatureCount() + (periodicity == null ? 0 : periodicity.bands());
    }

    /** Number of mel or cepstral values at the start of a frame. */
    public int spectralFeatureCount() {
        return "mfcc".equals(output) ? nMfcc : nMels;
    }

    /** Seconds of audio between two consecutive frames. */
    public double frameStepSeconds() {
        return hopLength / (double) sampleRate;
    }

    /** Frames produced for {@code samples} input samples (0 when shorter than one window). */
    public long framesFor(long samples) {
        return samples < winLength ? 0 : 1 + (samples - winLength) / hopLength;
    }

    public FeatureSpec withOutput(String newOutput) {
        return new FeatureSpec(version, sampleRate, winLength, hopLength, nFft, window, power, nMels,
                fMin, fMax, melScale, melNorm, logFloor, nMfcc, dctNorm, newOutput, periodicity);
    }

    public FeatureSpec withPeriodicity(Periodicity newPeriodicity) {
        return new FeatureSpec(version, sampleRate, winLength, hopLength, nFft, window, power, nMels,
                fMin, fMax, melScale, melNorm, logFloor, nMfcc, dctNorm, output, newPeriodicity);
    }

    public static FeatureSpec read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new FeatureSpecException("cannot read feature spec " + file + ": " + e.getMessage(), e);
        }
    }

    public static FeatureSpec read(InputStream in, String origin) {
        try {
            return JSON.readValue(in, FeatureSpec.class);
        } catch (FeatureSpecException e) {
            throw e;
        } catch (JsonProcessingException e) {
            // Jackson wraps exceptions thrown by the canonical constructor.
            if (e.getCause() instanceof FeatureSpecException spec) {
                throw new FeatureSpecException(origin + ": " + spec.getMessage(), spec);
            }
            throw new FeatureSpecException("invalid feature spec " + origin + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new FeatureSpecException("cannot read feature spec " + origin + ": " + e.getMessage(), e);
        }
    }

    /** The spec shipped inside the jar (a copy of {@code models/feature-spec.json}). */
    public static FeatureSpec bundled() {
        try (InputStream in = FeatureSpec.class.getResourceAsStream("/feature-spec.json")) {
            if (in == null) {
                throw new FeatureSpecException("feature-spec.json is missing from the classpath");
            }
            return read(in, "bundled feature-spec.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
