package dev.emostream.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Headers of a dead-letter record: the reason, what exactly was wrong, and where the record came from. */
public final class DeadLetters {
    public static final String REASON_HEADER = "emostream.dlq.reason";
    public static final String DETAIL_HEADER = "emostream.dlq.detail";
    public static final String SOURCE_HEADER = "emostream.dlq.source";

    private DeadLetters() {
    }

    /**
     * @param source {@code topic/partition/offset} of the input record, or null when unknown
     */
    static Headers headers(Headers original, DeadLetterReason reason, String detail, String source) {
        RecordHeaders headers = new RecordHeaders(original.toArray());
        headers.add(REASON_HEADER, reason.code().getBytes(StandardCharsets.UTF_8));
        headers.add(DETAIL_HEADER, detail.getBytes(StandardCharsets.UTF_8));
        if (source != null) {
            headers.add(SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    /** The last value of a header as text, or null. */
    public static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
