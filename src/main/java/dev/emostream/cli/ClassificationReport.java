package dev.emostream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix of clip-level
 * decisions, plus accuracy of the decision available after given seconds of audio.
 */
final class ClassificationReport {
    /** Decision instants, in seconds of audio heard. */
    static final double[] CHECKPOINTS = {0.5, 1.0, 2.0, 3.0};

    private final List<String> labels;
    private final long[][] confusion;           // [true][predicted]
    private final long[] correctAt = new long[CHECKPOINTS.length];
    private final long[] correctAtSpeech = new long[CHECKPOINTS.length];
    private long correctMean;
    private boolean bySpeech;
    private boolean timed;
    private long clips;

    ClassificationReport(List<String> labels) {
        this.labels = labels;
        this.confusion = new long[labels.size()][labels.size()];
    }

    /**
     * @param predictedAt the decision after each checkpoint (-1: no decision yet, counts as wrong)
     */
    synchronized void add(int truth, int predicted, int[] predictedAt) {
        add(truth, predicted, predictedAt, null, -1);
    }

    /**
     * @param predictedAtSpeech the decision after each checkpoint in seconds of speech heard (null without VAD)
     * @param predictedMean     the decision from the probabilities averaged over the clip's speech (-1: none)
     */
    synchronized void add(int truth, int predicted, int[] predictedAt, int[] predictedAtSpeech, int predictedMean) {
        confusion[truth][predicted]++;
        timed |= predictedAt != null;
        for (int i = 0; i < CHECKPOINTS.length; i++) {
            if (predictedAt != null && predictedAt[i] == truth) {
                correctAt[i]++;
            }
            if (predictedAtSpeech != null && predictedAtSpeech[i] == truth) {
                correctAtSpeech[i]++;
            }
        }
        if (predictedAtSpeech != null) {
            bySpeech = true;
        }
        if (predictedMean == truth) {
            correctMean++;
        }
        clips++;
    }

    double accuracyAtSpeech(int checkpoint) {
        return clips == 0 ? 0 : correctAtSpeech[checkpoint] / (double) clips;
    }

    double accuracyOfMean() {
        return clips == 0 ? 0 : correctMean / (double) clips;
    }

    long clips() {
        return clips;
    }

    double accuracy() {
        long correct = 0;
        for (int k = 0; k < labels.size(); k++) {
            correct += confusion[k][k];
        }
        return clips == 0 ? 0 : correct / (double) clips;
    }

    double accuracyAt(int checkpoint) {
        return clips == 0 ? 0 : correctAt[checkpoint] / (double) clips;
    }

    double precision(int k) {
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[k];
        }
        return predicted == 0 ? 0 : confusion[k][k] / (double) predicted;
    }

    double recall(int k) {
        long actual = 0;
        for (long v : confusion[k]) {
            actual += v;
        }
        return actual == 0 ? 0 : confusion[k][k] / (double) actual;
    }

    double f1(int k) {
        double p = precision(k);
        double r = recall(k);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    private boolean present(int k) {
        for (long v : confusion[k]) {
            if (v > 0) {
                return true;
            }
        }
        return false;
    }

    /** Mean F1 over the classes that occur in the reference labels. */
    double macroF1() {
        double sum = 0;
        int n = 0;
        for (int k = 0; k < labels.size(); k++) {
            if (present(k)) {
                sum += f1(k);
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** The figures as JSON, for plots and the model card. */
    String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("clips", clips);
        json.put("accuracy", accuracy());
        json.put("macro_f1", macroF1());
        Map<String, Double> at = new LinkedHashMap<>();
        for (int i = 0; i < CHECKPOINTS.length; i++) {
            at.put(Double.toString(CHECKPOINTS[i]), accuracyAt(i));
        }
        if (timed) {
            json.put("accuracy_after_seconds", at);
        }
        if (bySpeech) {
            Map<String, Double> speech = new LinkedHashMap<>();
            for (int i = 0; i < CHECKPOINTS.length; i++) {
                speech.put(Double.toString(CHECKPOINTS[i]), accuracyAtSpeech(i));
            }
            json.put("accuracy_after_speech_seconds", speech);
            json.put("accuracy_mean_over_speech", accuracyOfMean());
        }
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int k = 0; k < labels.size(); k++) {
            if (present(k)) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("label", labels.get(k));
                c.put("precision", precision(k));
                c.put("recall", recall(k));
                c.put("f1", f1(k));
                perClass.add(c);
            }
        }
        json.put("per_class", perClass);
        json.put("labels", labels);
        json.put("confusion", confusion);
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void print(PrintWriter out) {
        out.printf(Locale.ROOT, "%-10s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "clips");
        for (int k = 0; k < labels.size(); k++) {
            if (!present(k)) {
                continue;
            }
            long n = 0;
            for (long v : confusion[k]) {
                n += v;
            }
            out.printf(Locale.ROOT, "%-10s %9.3f %9.3f %9.3f %8d%n", labels.get(k), precision(k), recall(k), f1(k), n);
        }
        out.println();
        out.println("confusion matrix (rows: true label, columns: predicted)");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-10s", ""));
        for (String label : labels) {
            header.append(String.format(Locale.ROOT, " %5.5s", label));
        }
        out.println(header);
        for (int k = 0; k < labels.size(); k++) {
            if (!present(k)) {
                continue;
            }
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-10s", labels.get(k)));
            for (long v : confusion[k]) {
                row.append(String.format(Locale.ROOT, " %5d", v));
            }
            out.println(row);
        }
        out.println();
        for (int i = 0; timed && i < CHECKPOINTS.length; i++) {
            out.printf(Locale.ROOT, "accuracy after %.1f s of audio: %.4f%n", CHECKPOINTS[i], accuracyAt(i));
        }
        if (bySpeech) {
            for (int i = 0; i < CHECKPOINTS.length; i++) {
                out.printf(Locale.ROOT, "accuracy after %.1f s of speech: %.4f%n", CHECKPOINTS[i], accuracyAtSpeech(i));
            }
            out.printf(Locale.ROOT, "accuracy of the mean over the clip's speech: %.4f%n", accuracyOfMean());
        }
        out.printf(Locale.ROOT, "accuracy at end of clip:      %.4f%n", accuracy());
        out.printf(Locale.ROOT, "accuracy=%.4f macro_f1=%.4f n=%d%n", accuracy(), macroF1(), clips);
    }
}
