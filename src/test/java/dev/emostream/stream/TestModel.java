package dev.emostream.stream;

import dev.emostream.model.EmotionModel;
import dev.emostream.model.ExecutionProvider;

/** The bundled model on the CPU, loaded once for all the stream tests of a run (the JVM frees it at exit). */
final class TestModel {
    private static EmotionModel model;

    private TestModel() {
    }

    static synchronized EmotionModel get() {
        if (model == null) {
            model = EmotionModel.loadBundled(ExecutionProvider.CPU, 1);
        }
        return model;
    }
}
