package dev.emostream.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** The shipped model and the parity vectors export.py wrote for it. */
final class ModelFiles {
    private ModelFiles() {
    }

    static Path descriptor() {
        return Path.of(System.getProperty("emostream.projectDir", "."), "models", "emotion-crnn.json");
    }

    static JsonNode parity() {
        try {
            return new ObjectMapper().readTree(bytes("/model/parity.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(String name) {
        ByteBuffer buf = ByteBuffer.wrap(bytes("/model/" + name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = ModelFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
