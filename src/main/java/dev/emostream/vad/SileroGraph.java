package dev.emostream.vad;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.emostream.onnx.AttributeProto;
import dev.emostream.onnx.GraphProto;
import dev.emostream.onnx.ModelProto;
import dev.emostream.onnx.NodeProto;
import dev.emostream.onnx.TensorProto;
import dev.emostream.onnx.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Silero VAD v5's ONNX graph rewritten into the form ONNX Runtime runs fastest for many streams per
 * call; the computation is the same (tests compare the two on audio, window after window).
 *
 * <p>Why: Silero's graph computes its STFT and encoder as 1-D convolutions over the 4 frames of one
 * 32 ms window. ONNX Runtime's CPU convolution runs one matrix product per stream (a batch item), each
 * only 4 columns wide, so at 32 streams per call it spent ~60% of its time in five such convolutions.
 * Written as one matrix product over all streams' frames (im2col by slicing, then MatMul), the same
 * arithmetic is 2.5-3x faster per window from 16 streams per call (BENCHMARKS.md). Two further simplifications: the graph is cut
 * to one sample rate's branch (the model picks 16 or 8 kHz with an If on its {@code sr} input, which
 * then disappears), and the convolutions' weight constants become initializers of the matrix products.
 *
 * <p>What is rewritten, and checked before it is: a Conv with group 1, dilation 1, explicit symmetric
 * pads and a kernel wider than 1 over [batch, channels, time]; the STFT's (one channel, kernel twice its
 * stride, no padding) as overlapping frames. The others must have Silero's kernel 3, padding 1 and
 * stride 1 or 2 (the shapes {@code SileroGraphTest} compares); the STFT's Reshape into stride-sized chunks needs the
 * padded signal to be a whole number of strides, which the fixed window width of {@link SileroVad#run}
 * gives. A graph that is not shaped as expected is refused with a {@link VadException}: the model file
 * is pinned by checksum, so that means the pin moved without this class.
 */
final class SileroGraph {
    private static final int FLOAT = 1;     // ONNX TensorProto.DataType
    private static final int INT64 = 7;
    private static final int ATTR_INT = 2;  // ONNX AttributeProto.AttributeType
    private static final int ATTR_INTS = 7;

    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final Map<String, TensorProto> constants = new HashMap<>();
    private int serial;

    private SileroGraph() {
    }

    /**
     * Silero's graph for one sample rate: inputs {@code input} [batch, context + window] and
     * {@code state} [2, batch, 128] (no {@code sr}), outputs {@code output} and {@code stateN} as before.
     *
     * @param rate 16000 or 8000
     */
    static byte[] forRate(byte[] model, int rate) {
        if (rate != SileroVad.SAMPLE_RATE && rate != SileroVad.NARROW_RATE) {
            throw new IllegalArgumentException("Silero runs at 16000 or 8000 Hz, not " + rate);
        }
        ModelProto m;
        try {
            m = ModelProto.parseFrom(model);
        } catch (InvalidProtocolBufferException e) {
            throw new VadException("the voice-activity model is not an ONNX file: " + e.getMessage(), e);
        }
        GraphProto top = m.getGraph();
        NodeProto ifNode = rateSwitch(top);
        GraphProto branch = attribute(ifNode, rate == SileroVad.SAMPLE_RATE ? "then_branch" : "else_branch").getG();
        SileroGraph g = new SileroGraph();
        for (NodeProto n : branch.getNodeList()) {
            g.add(n);
        }
        g.initializers.addAll(branch.getInitializerList());
        g.initializers.addAll(top.getInitializerList());
        for (ValueInfoProto output : top.getOutputList()) {
            g.nodes.add(NodeProto.newBuilder().setOpType("Identity").setName("output_" + output.getName())
                    .addInput(branchOutputFor(top, ifNode, branch, output.getName())).addOutput(output.getName()).build());
        }
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto in : top.getInputList()) {
            if (!in.getName().equals("sr")) {
                inputs.add(in);
            }
        }
        GraphProto graph = GraphProto.newBuilder().setName("silero_vad_" + rate + "hz")
                .addAllNode(g.withoutUnusedConstants()).addAllInitializer(g.initializers)
                .addAllInput(inputs).addAllOutput(top.getOutputList()).build();
        return m.toBuilder().setGraph(graph).build().toByteArray();
    }

    /**
     * The top level's If on the sample rate ({@code then} when {@code sr} equals its constant, 16000).
     * The rest of the top level may only be that test and Identity nodes to the outputs: nothing else
     * would survive the cut to one branch.
     */
    private static NodeProto rateSwitch(GraphProto top) {
        Map<String, NodeProto> producers = new HashMap<>();
        NodeProto ifNode = null;
        for (NodeProto n : top.getNodeList()) {
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
            switch (n.getOpType()) {
                case "If" -> {
                    if (ifNode != null) {
                        throw unexpected("more than one If at the top level");
                    }
                    ifNode = n;
                }
                case "Constant", "Equal", "Identity" -> { }
                default -> throw unexpected("a " + n.getOpType() + " node at the top level");
            }
        }
        if (ifNode == null) {
            throw unexpected("no If on the sample rate at the top level");
        }
        NodeProto equal = producers.get(ifNode.getInput(0));
        if (equal == null || !equal.getOpType().equals("Equal") || !equal.getInputList().contains("sr")) {
            throw unexpected("the top-level If does not test the sample rate");
        }
        String other = equal.getInput(0).equals("sr") ? equal.getInput(1) : equal.getInput(0);
        NodeProto constant = producers.get(other);
        long[] value = constant == null || !constant.getOpType().equals("Constant") ? null
                : int64s(attribute(constant, "value").getT());
        if (value == null || value.length != 1 || value[0] != SileroVad.SAMPLE_RATE) {
            throw unexpected("the top-level If does not compare the sample rate with 16000");
        }
        return ifNode;
    }

    /** The branch output that becomes the graph output {@code name}: the If's output it is (an Identity of). */
    private static String branchOutputFor(GraphProto top, NodeProto ifNode, GraphProto branch, String name) {
        String source = name;
        for (NodeProto n : top.getNodeList()) {
            if (n.getOpType().equals("Identity") && n.getOutput(0).equals(name)) {
                source = n.getInput(0);
            }
        }
        int j = ifNode.getOutputList().indexOf(source);
        if (j < 0 || j >= branch.getOutputCount()) {
            throw unexpected("graph output " + name + " is not one of the If's outputs");
        }
        return branch.getOutput(j).getName();
    }

    private void add(NodeProto n) {
        if (n.getOpType().equals("Constant") && n.getAttributeCount() == 1 && n.getAttribute(0).getName().equals("value")) {
            constants.put(n.getOutput(0), n.getAttribute(0).getT());
        }
        if (n.getOpType().equals("Conv") && kernel(n) > 1) {
            rewriteConv(n);
        } else {
            nodes.add(n);
        }
    }

    /** A Conv over [batch, channels, time] as one MatMul over every stream's time steps. */
    private void rewriteConv(NodeProto conv) {
        TensorProto w = constants.get(conv.getInput(1));
        if (w == null || w.getDimsCount() != 3) {
            throw unexpected(conv.getName() + ": weights are not a constant [out, in, kernel]");
        }
        int out = (int) w.getDims(0);
        int in = (int) w.getDims(1);
        int k = (int) w.getDims(2);
        long[] pads = ints(conv, "pads", new long[] {0, 0});
        long[] strides = ints(conv, "strides", new long[] {1});
        long[] dilations = ints(conv, "dilations", new long[] {1});
        long group = attributeOr(conv, "group") == null ? 1 : attribute(conv, "group").getI();
        AttributeProto autoPad = attributeOr(conv, "auto_pad");
        boolean explicitPads = autoPad == null || autoPad.getS().toStringUtf8().equals("NOTSET");
        if (group != 1 || dilations[0] != 1 || pads.length != 2 || pads[0] != pads[1] || strides.length != 1 || !explicitPads) {
            throw unexpected(conv.getName() + ": not a plain 1-D convolution");
        }
        int stride = (int) strides[0];
        int pad = (int) pads[0];
        boolean stft = in == 1 && k == 2 * stride && pad == 0;
        if (!stft && !(k == 3 && pad == 1 && (stride == 1 || stride == 2))) {
            // The im2col below is written for any kernel, padding and stride, but only Silero's shapes
            // are compared with ONNX Runtime's own convolution (SileroGraphTest): others are refused.
            throw unexpected(conv.getName() + ": kernel " + k + ", padding " + pad + ", stride " + stride
                    + " is not one of the convolution shapes this rewrite was checked on");
        }
        float[] weights = floats(w);
        float[] bias = new float[out];
        if (conv.getInputCount() > 2) {
            TensorProto b = constants.get(conv.getInput(2));
            if (b == null) {
                throw unexpected(conv.getName() + ": bias is not a constant");
            }
            bias = floats(b);
        }
        if (weights.length != out * in * k || bias.length != out) {
            throw unexpected(conv.getName() + ": weights or bias of the wrong size");
        }
        String base = conv.getName().isEmpty() ? "conv" + serial++ : conv.getName();
        String columns;
        float[] matrix = new float[k * in * out];   // [k * in, out]: row kk * in + c holds w[o][c][kk]
        if (stft) {
            // STFT framing: the signal in chunks of one stride; frame t = chunks t and t + 1 side by side.
            String chunks = node("Reshape", base + "/chunks", conv.getInput(0), int64(base + "/chunk_shape", 0, -1, stride));
            String first = node("Slice", base + "/first", chunks, int64(base + "/s0", 0), int64(base + "/e0", -1), int64(base + "/ax", 1));
            String next = node("Slice", base + "/next", chunks, int64(base + "/s1", 1), int64(base + "/e1", Long.MAX_VALUE),
                    base + "/ax");
            columns = node("Concat", base + "/frames", List.of(first, next), intAttribute("axis", 2));
        } else {
            // im2col: the k shifted views of the padded input side by side, at stride 1 (shape-independent
            // slicing); a strided convolution keeps every stride-th row afterwards.
            String timeMajor = node("Transpose", base + "/time_major", List.of(conv.getInput(0)), intsAttribute("perm", 0, 2, 1));
            String padded = node("Pad", base + "/padded", timeMajor, int64(base + "/pads", 0, pad, 0, 0, pad, 0));
            List<String> shifts = new ArrayList<>();
            for (int kk = 0; kk < k; kk++) {
                long end = kk == k - 1 ? Long.MAX_VALUE : kk - (k - 1);
                shifts.add(node("Slice", base + "/shift" + kk, padded, int64(base + "/start" + kk, kk),
                        int64(base + "/end" + kk, end), int64(base + "/axis" + kk, 1)));
            }
            String stacked = node("Concat", base + "/im2col", shifts, intAttribute("axis", 2));
            columns = stride == 1 ? stacked
                    : node("Slice", base + "/strided", stacked, int64(base + "/ss", 0), int64(base + "/se", Long.MAX_VALUE),
                            int64(base + "/sa", 1), int64(base + "/sstep", stride));
        }
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < in; c++) {
                for (int kk = 0; kk < k; kk++) {
                    matrix[(kk * in + c) * out + o] = weights[(o * in + c) * k + kk];
                }
            }
        }
        String product = node("MatMul", base + "/matmul", columns, floatInitializer(base + "/weight", matrix, k * in, out));
        String biased = node("Add", base + "/bias", product, floatInitializer(base + "/bias_value", bias, out));
        nodes.add(NodeProto.newBuilder().setOpType("Transpose").setName(base + "/channels_major").addInput(biased)
                .addOutput(conv.getOutput(0)).addAttribute(intsAttribute("perm", 0, 2, 1)).build());
    }

    /** A node whose one output is named after it. */
    private String node(String op, String name, String... inputs) {
        return node(op, name, List.of(inputs));
    }

    private String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(name);
        for (AttributeProto a : attributes) {
            b.addAttribute(a);
        }
        nodes.add(b.build());
        return name;
    }

    private String int64(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        initializers.add(t.build());
        return name;
    }

    private String floatInitializer(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(raw.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        initializers.add(t.build());
        return name;
    }

    /** The nodes, less the Constant nodes nothing reads any more (the convolutions' old weights). */
    private List<NodeProto> withoutUnusedConstants() {
        Set<String> read = new HashSet<>();
        for (NodeProto n : nodes) {
            collectInputs(n, read);
        }
        List<NodeProto> kept = new ArrayList<>();
        for (NodeProto n : nodes) {
            if (!n.getOpType().equals("Constant") || read.contains(n.getOutput(0))) {
                kept.add(n);
            }
        }
        return kept;
    }

    /** A node's inputs and those of the subgraphs it holds (an If's branches read outer names). */
    private static void collectInputs(NodeProto n, Set<String> read) {
        read.addAll(n.getInputList());
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                for (NodeProto inner : a.getG().getNodeList()) {
                    collectInputs(inner, read);
                }
            }
        }
    }

    private static int kernel(NodeProto conv) {
        AttributeProto k = attributeOr(conv, "kernel_shape");
        return k == null || k.getIntsCount() != 1 ? -1 : (int) k.getInts(0);
    }

    private static long[] ints(NodeProto n, String name, long[] absent) {
        AttributeProto a = attributeOr(n, name);
        return a == null ? absent : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static AttributeProto attribute(NodeProto n, String name) {
        AttributeProto a = attributeOr(n, name);
        if (a == null) {
            throw unexpected(n.getOpType() + " " + n.getName() + " has no attribute " + name);
        }
        return a;
    }

    private static AttributeProto attributeOr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(ATTR_INT).setI(value).build();
    }

    private static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(ATTR_INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static float[] floats(TensorProto t) {
        if (t.getDataType() != FLOAT) {
            throw unexpected("tensor " + t.getName() + " is not float");
        }
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] v = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(v);
            return v;
        }
        float[] v = new float[t.getFloatDataCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getFloatData(i);
        }
        return v;
    }

    private static long[] int64s(TensorProto t) {
        if (t.getDataType() != INT64) {
            return null;
        }
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            long[] v = new long[raw.remaining() / Long.BYTES];
            raw.asLongBuffer().get(v);
            return v;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    private static VadException unexpected(String what) {
        return new VadException("the voice-activity model's graph is not Silero v5's as expected (" + what
                + "): SileroGraph must follow a change of the pinned model");
    }
}
