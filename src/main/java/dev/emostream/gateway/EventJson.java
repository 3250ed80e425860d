package dev.emostream.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.emostream.contract.EmotionEvent;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The JSON form of an EmotionEvent that WebSocket, SSE and REST clients get: the Avro field names,
 * times as epoch milliseconds, and {@code "type":"event"} so a socket's messages can be told apart.
 */
public final class EventJson {
    private static final JsonFactory JSON = new JsonFactory();

    private EventJson() {
    }

    private static void writeNullable(JsonGenerator g, String name, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, value);
        }
    }

    public static String toJson(EmotionEvent e) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "event");
            g.writeStringField("stream_id", e.getStreamId());
            g.writeStringField("call_id", e.getCallId());
            g.writeStringField("role", e.getRole());
            g.writeNumberField("audio_start_ms", e.getAudioStartMs());
            g.writeNumberField("audio_end_ms", e.getAudioEndMs());
            g.writeStringField("label", e.getLabel());
            g.writeNumberField("confidence", e.getConfidence());
            g.writeArrayFieldStart("labels");
            for (String l : e.getLabels()) {
                g.writeString(l);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("probabilities");
            for (Float p : e.getProbabilities()) {
                g.writeNumber(p);
            }
            g.writeEndArray();
            g.writeStringField("model_version", e.getModelVersion());
            g.writeNumberField("last_sequence", e.getLastSequence());
            g.writeNumberField("frame_time", e.getFrameTime().toEpochMilli());
            g.writeNumberField("emit_time", e.getEmitTime().toEpochMilli());
            g.writeNumberField("processing_latency_ms", e.getProcessingLatencyMs());
            g.writeBooleanField("final", e.getFinal$());
            g.writeStringField("final_reason", e.getFinalReason());
            g.writeStringField("event_type", e.getEventType());
            g.writeBooleanField("speech", e.getSpeech());
            writeNullable(g, "utterance", e.getUtterance() == null ? null : e.getUtterance().longValue());
            writeNullable(g, "utterance_start_ms", e.getUtteranceStartMs());
            writeNullable(g, "utterance_end_ms", e.getUtteranceEndMs());
            g.writeNumberField("speech_ms", e.getSpeechMs());
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return out.toString();
    }
}
