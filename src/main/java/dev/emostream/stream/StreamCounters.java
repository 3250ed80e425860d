package dev.emostream.stream;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one service instance has done, across its tasks and threads: frames and bytes taken, events
 * emitted, dead letters by reason, inference calls and the streams they batched, streams held. The
 * metrics endpoint reads these; processors only add.
 */
public final class StreamCounters {
    private final LongAdder framesIn = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder eventsOut = new LongAdder();
    private final LongAdder finalEvents = new LongAdder();
    private final LongAdder inferenceCalls = new LongAdder();
    private final LongAdder inferenceStreamSteps = new LongAdder();
    private final LongAdder inferenceNanos = new LongAdder();
    private final LongAdder vadCalls = new LongAdder();
    private final LongAdder vadWindows = new LongAdder();
    private final LongAdder vadNanos = new LongAdder();
    private final LongAdder vadQuietWindows = new LongAdder();
    private final LongAdder statePuts = new LongAdder();
    private final LongAdder stateBytes = new LongAdder();
    private final AtomicLong activeStreams = new AtomicLong();
    private final Map<DeadLetterReason, LongAdder> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private volatile Observer observer = Observer.NONE;

    /** Distributions the counters do not keep (latencies, batch sizes): the metrics registry records them. */
    public interface Observer {
        Observer NONE = new Observer() {
            @Override
            public void inferenceCall(int batch, long nanos) {
            }

            @Override
            public void eventEmitted(String label, long latencyMs, boolean isFinal) {
            }
        };

        /** One ONNX call of {@code batch} streams that took {@code nanos}. */
        void inferenceCall(int batch, long nanos);

        /**
         * One event with {@code label} (null: too short for a model step), {@code latencyMs} after the
         * Kafka timestamp of the frame that completed it.
         */
        void eventEmitted(String label, long latencyMs, boolean isFinal);
    }

    /** Sends distributions to {@code observer} from now on (called on any thread: they see it at once). */
    public void observe(Observer observer) {
        this.observer = observer;
    }

    public StreamCounters() {
        for (DeadLetterReason r : DeadLetterReason.values()) {
            deadLetters.put(r, new LongAdder());
        }
    }

    void frameIn(int bytes) {
        framesIn.increment();
        bytesIn.add(bytes);
    }

    void eventOut(String label, boolean isFinal, long latencyMs) {
        eventsOut.increment();
        observer.eventEmitted(label, latencyMs, isFinal);
        if (isFinal) {
            finalEvents.increment();
        }
    }

    void deadLetter(DeadLetterReason reason) {
        deadLetters.get(reason).increment();
    }

    /** One voice-activity call over {@code windows} streams' windows (32 ms each). */
    void vadCall(int windows, long nanos) {
        vadCalls.increment();
        vadWindows.add(windows);
        vadNanos.add(nanos);
    }

    /** A stream's state written to its changelogged store (the record cache keeps the last per commit). */
    void statePut(int bytes) {
        statePuts.increment();
        stateBytes.add(bytes);
    }

    public long statePuts() {
        return statePuts.sum();
    }

    /** Bytes of stream state serialised into the store so far. */
    public long stateBytes() {
        return stateBytes.sum();
    }

    /** A window below the quiet floor, taken as silence without a VAD call. */
    void vadQuietWindow() {
        vadQuietWindows.increment();
    }

    public long vadQuietWindows() {
        return vadQuietWindows.sum();
    }

    public long vadCalls() {
        return vadCalls.sum();
    }

    /** 32 ms VAD windows run so far. */
    public long vadWindows() {
        return vadWindows.sum();
    }

    /** Time spent in VAD calls so far. */
    public long vadNanos() {
        return vadNanos.sum();
    }

    void inferenceCall(int streams, long nanos) {
        inferenceCalls.increment();
        inferenceStreamSteps.add(streams);
        inferenceNanos.add(nanos);
        observer.inferenceCall(streams, nanos);
    }

    /** Takes a slot for a new stream unless {@code max} are held; false when full. */
    boolean tryAddStream(long max) {
        while (true) {
            long n = activeStreams.get();
            if (n >= max) {
                return false;
            }
            if (activeStreams.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void streamsAdded(int n) {
        activeStreams.addAndGet(n);
    }

    void streamsRemoved(int n) {
        activeStreams.addAndGet(-n);
    }

    public long framesIn() {
        return framesIn.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long eventsOut() {
        return eventsOut.sum();
    }

    public long finalEvents() {
        return finalEvents.sum();
    }

    public long inferenceCalls() {
        return inferenceCalls.sum();
    }

    /** Time spent in emotion-model calls so far. */
    public long inferenceNanos() {
        return inferenceNanos.sum();
    }

    /** Streams stepped, summed over inference calls (divided by calls: the mean batch size). */
    public long inferenceBatchedStreams() {
        return inferenceStreamSteps.sum();
    }

    public long activeStreams() {
        return activeStreams.get();
    }

    public long deadLetters(DeadLetterReason reason) {
        return deadLetters.get(reason).sum();
    }

    public long deadLettersTotal() {
        return deadLetters.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
