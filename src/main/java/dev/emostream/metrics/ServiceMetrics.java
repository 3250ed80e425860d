package dev.emostream.metrics;

import dev.emostream.stream.DeadLetterReason;
import dev.emostream.stream.StreamCounters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The stream processor's metrics: its counters as Prometheus counters, latency and batch-size
 * histograms, and Kafka Streams' own metrics through Micrometer's binder.
 */
public final class ServiceMetrics implements StreamCounters.Observer, AutoCloseable {
    private final Timer inference;
    private final DistributionSummary batchSize;
    private final Timer frameToEvent;
    private final KafkaStreamsMetrics kafkaStreams;
    private final MeterRegistry registry;
    private final Map<String, Counter> eventsByLabel = new ConcurrentHashMap<>();

    public ServiceMetrics(MeterRegistry registry, StreamCounters c, KafkaStreams streams, java.util.List<String> labels) {
        this.registry = registry;
        labels.forEach(this::labelCounter); // every label shows from the start, at 0
        FunctionCounter.builder("emostream_frames_in", c, StreamCounters::framesIn)
                .description("audio frames the processor took (decoded and accepted)").register(registry);
        FunctionCounter.builder("emostream_audio_bytes_in", c, StreamCounters::bytesIn)
                .description("payload bytes of accepted frames").baseUnit("bytes").register(registry);
        FunctionCounter.builder("emostream_events_out", c, StreamCounters::eventsOut)
                .description("emotion events emitted (every hop and final)").register(registry);
        FunctionCounter.builder("emostream_final_events_out", c, StreamCounters::finalEvents)
                .description("final events emitted (streams ended)").register(registry);
        FunctionCounter.builder("emostream_model_windows", c, StreamCounters::inferenceBatchedStreams)
                .description("model windows run: stream steps summed over inference calls").register(registry);
        FunctionCounter.builder("emostream_inference_calls", c, StreamCounters::inferenceCalls)
                .description("batched ONNX calls").register(registry);
        FunctionCounter.builder("emostream_vad_windows", c, StreamCounters::vadWindows)
                .description("32 ms voice-activity windows run (summed over batched calls)").register(registry);
        FunctionCounter.builder("emostream_vad_quiet_windows", c, StreamCounters::vadQuietWindows)
                .description("32 ms windows below vad.quiet.floor.dbfs, taken as silence without running the VAD").register(registry);
        FunctionCounter.builder("emostream_vad_calls", c, StreamCounters::vadCalls)
                .description("batched voice-activity ONNX calls").register(registry);
        FunctionCounter.builder("emostream_vad_seconds", c, x -> x.vadNanos() / 1e9)
                .description("time spent in voice-activity calls").register(registry);
        FunctionCounter.builder("emostream_state_puts", c, StreamCounters::statePuts)
                .description("stream states serialised into the changelogged store (the record cache sends the last of each commit to the changelog)")
                .register(registry);
        FunctionCounter.builder("emostream_state_bytes", c, StreamCounters::stateBytes)
                .description("bytes of those stream states").baseUnit("bytes").register(registry);
        Gauge.builder("emostream_active_streams", c, StreamCounters::activeStreams)
                .description("streams whose state this instance holds").register(registry);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            FunctionCounter.builder("emostream_dead_letters", c, x -> x.deadLetters(r))
                    .description("input records sent to the dead-letter topic, by reason")
                    .tag("reason", r.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        inference = Timer.builder("emostream_inference")
                .description("duration of one batched ONNX call")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry);
        batchSize = DistributionSummary.builder("emostream_inference_batch_size")
                .description("streams stepped in one ONNX call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
                .register(registry);
        frameToEvent = Timer.builder("emostream_frame_to_event")
                .description("from the Kafka timestamp of the frame that completed an event to the event's emission")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
        kafkaStreams = new KafkaStreamsMetrics(streams);
        kafkaStreams.bindTo(registry);
        c.observe(this);
    }

    @Override
    public void inferenceCall(int batch, long nanos) {
        inference.record(nanos, TimeUnit.NANOSECONDS);
        batchSize.record(batch);
    }

    @Override
    public void eventEmitted(String label, long latencyMs, boolean isFinal) {
        frameToEvent.record(Math.max(0, latencyMs), TimeUnit.MILLISECONDS);
        labelCounter(label == null ? "none" : label).increment();
    }

    private Counter labelCounter(String label) {
        return eventsByLabel.computeIfAbsent(label, l -> Counter.builder("emostream_events_by_label")
                .description("events emitted by their most probable label (none: a stream too short for a model step)")
                .tag("label", l).register(registry));
    }

    @Override
    public void close() {
        kafkaStreams.close();
    }
}
