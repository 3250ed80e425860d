package dev.emostream.stream;

import java.util.Locale;

/**
 * Why an input record went to the dead-letter topic. The code travels in the
 * {@value DeadLetters#REASON_HEADER} header; the detail header says what exactly was wrong.
 */
public enum DeadLetterReason {
    /** The value is not an AudioFrame in Avro single-object encoding (or a schema this build does not know). */
    UNDECODABLE,
    /** No key, or a key other than the frame's stream id (frames of a stream must share a partition). */
    KEY_MISMATCH,
    /** An empty stream id, or a stream id, call id or role longer than 256 characters. */
    BAD_IDENTIFIER,
    UNKNOWN_ENCODING,
    UNSUPPORTED_SAMPLE_RATE,
    BAD_CHANNELS,
    /** No samples on a frame that does not end the stream. */
    EMPTY_PAYLOAD,
    OVERSIZED_PAYLOAD,
    /** A payload that is not a whole number of sample frames (bytes per sample x channels). */
    PARTIAL_SAMPLE,
    /** A float32 sample that is NaN or infinite. */
    NON_FINITE_SAMPLE,
    /** A float32 sample beyond {@link dev.emostream.audio.SampleDecoder#MAX_F32_MAGNITUDE} (full scale is 1). */
    SAMPLE_OUT_OF_RANGE,
    /** The sequence number of the last frame taken again. */
    DUPLICATE,
    /** A sequence number older than the last frame taken: the stream's audio has moved on. */
    OUT_OF_ORDER,
    /**
     * Frames are missing before this one. The frame itself is processed (the stream goes on
     * without the missing audio); the dead-letter copy records the gap.
     */
    SEQUENCE_GAP,
    /** Sample rate, encoding or channel count differ from the stream's first frame. */
    FORMAT_CHANGE,
    /** A frame for a stream whose end-of-stream frame was already taken and not yet finalised. */
    AFTER_END_OF_STREAM,
    /** A new stream while the instance already holds {@code streams.max.active}. */
    TOO_MANY_STREAMS,
    /** The stream's feature queue would pass {@code stream.max.queued.frames}: inference is behind. */
    STREAM_OVERLOADED,
    /** Anything else that failed on this record; the stream's state is unchanged. */
    PROCESSING_ERROR;

    /** The header value: lower case, e.g. {@code sequence_gap}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
