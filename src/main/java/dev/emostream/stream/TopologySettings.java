package dev.emostream.stream;

/**
 * What the emotion topology needs to know, with no Kafka client settings in it: topic names, event
 * cadence, timeouts and limits. Built from the service configuration, or directly by tests.
 */
public record TopologySettings(
        String audioTopic,
        String emotionsTopic,
        String deadLetterTopic,
        long eventHopMs,
        long idleTimeoutMs,
        long idleCheckIntervalMs,
        long inferenceIntervalMs,
        int maxBatch,
        int maxFrameBytes,
        int maxChannels,
        int maxQueuedFrames,
        long maxActiveStreams,
        long latestRetentionMs) {

    /** Longest stream id, call id or role accepted. */
    public static final int MAX_IDENTIFIER_LENGTH = 256;

    public TopologySettings {
        if (eventHopMs < 1 || idleTimeoutMs < 1 || idleCheckIntervalMs < 1 || inferenceIntervalMs < 1
                || maxBatch < 1 || maxFrameBytes < 1 || maxChannels < 1 || maxQueuedFrames < 1 || maxActiveStreams < 1
                || latestRetentionMs < 1) {
            throw new IllegalArgumentException("topology settings must be positive: " + this);
        }
    }

    /** The service's defaults on the given topics. */
    public static TopologySettings defaults(String audioTopic, String emotionsTopic, String deadLetterTopic) {
        return new TopologySettings(audioTopic, emotionsTopic, deadLetterTopic, 500, 30_000, 1_000, 10, 256,
                262_144, 8, 1_000, 10_000, 3_600_000);
    }

    public TopologySettings withEventHopMs(long ms) {
        return new TopologySettings(audioTopic, emotionsTopic, deadLetterTopic, ms, idleTimeoutMs, idleCheckIntervalMs,
                inferenceIntervalMs, maxBatch, maxFrameBytes, maxChannels, maxQueuedFrames, maxActiveStreams, latestRetentionMs);
    }

    public TopologySettings withIdleTimeoutMs(long ms) {
        return new TopologySettings(audioTopic, emotionsTopic, deadLetterTopic, eventHopMs, ms, idleCheckIntervalMs,
                inferenceIntervalMs, maxBatch, maxFrameBytes, maxChannels, maxQueuedFrames, maxActiveStreams, latestRetentionMs);
    }

    public TopologySettings withLatestRetentionMs(long ms) {
        return new TopologySettings(audioTopic, emotionsTopic, deadLetterTopic, eventHopMs, idleTimeoutMs,
                idleCheckIntervalMs, inferenceIntervalMs, maxBatch, maxFrameBytes, maxChannels, maxQueuedFrames,
                maxActiveStreams, ms);
    }

    public TopologySettings withLimits(int maxFrameBytes, int maxQueuedFrames, long maxActiveStreams) {
        return new TopologySettings(audioTopic, emotionsTopic, deadLetterTopic, eventHopMs, idleTimeoutMs,
                idleCheckIntervalMs, inferenceIntervalMs, maxBatch, maxFrameBytes, maxChannels, maxQueuedFrames,
                maxActiveStreams, latestRetentionMs);
    }
}
