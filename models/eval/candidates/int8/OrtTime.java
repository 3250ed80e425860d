// Times two ONNX models of the emotion network (ONNX Runtime, one thread) at batch 1, 25, 100 and 256 with
// random inputs and compares their probabilities: java -cp target/emostream.jar OrtTime.java A.onnx B.onnx [frames]
import ai.onnxruntime.*;
import java.nio.FloatBuffer;
import java.util.*;
public class OrtTime {
  public static void main(String[] a) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    int[] batches = {1, 25, 100, 256};
    int frames = Integer.parseInt(a.length > 2 ? a[2] : "4");
    Map<String, float[]> ref = new HashMap<>();
    for (String path : new String[]{a[0], a[1]}) {
      OrtSession.SessionOptions o = new OrtSession.SessionOptions();
      o.setIntraOpNumThreads(1); o.setInterOpNumThreads(1);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession s = env.createSession(path, o);
      int H = (int) ((TensorInfo) s.getInputInfo().get("h0").getInfo()).getShape()[2];
      for (int B : batches) {
        Random r = new Random(1);
        float[] x = new float[B * frames * 64]; for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 3 - 8);
        float[] h = new float[B * H], c = new float[B * H];
        for (int i = 0; i < h.length; i++) { h[i] = (float) (r.nextGaussian() * 0.3); c[i] = (float) (r.nextGaussian()); }
        float[] ns = new float[B * 64]; float[] nc = new float[B];
        for (int i = 0; i < ns.length; i++) ns[i] = -8f * 100; Arrays.fill(nc, 100f);
        Map<String, OnnxTensor> in = new HashMap<>();
        in.put("features", OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{B, frames, 64}));
        in.put("h0", OnnxTensor.createTensor(env, FloatBuffer.wrap(h), new long[]{1, B, H}));
        in.put("c0", OnnxTensor.createTensor(env, FloatBuffer.wrap(c), new long[]{1, B, H}));
        in.put("norm_sum0", OnnxTensor.createTensor(env, FloatBuffer.wrap(ns), new long[]{B, 64}));
        in.put("norm_count0", OnnxTensor.createTensor(env, FloatBuffer.wrap(nc), new long[]{B, 1}));
        float[] probs = null;
        for (int i = 0; i < 200; i++) try (OrtSession.Result res = s.run(in)) { if (i == 0) probs = ((OnnxTensor) res.get("probs").get()).getFloatBuffer().array(); }
        int iters = Math.max(50, 20000 / B);
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) try (OrtSession.Result res = s.run(in)) { }
        double us = (System.nanoTime() - t0) / 1e3 / iters;
        double steps = frames / 4.0;
        String key = B + "";
        String diff = "";
        if (ref.containsKey(key)) { float[] p0 = ref.get(key); double md = 0; int agree = 0;
          for (int i = 0; i < p0.length; i++) md = Math.max(md, Math.abs(p0[i] - probs[i]));
          for (int i = 0; i < p0.length / 8; i++) { int a0 = 0, a1 = 0; for (int k = 1; k < 8; k++) { if (p0[i*8+k] > p0[i*8+a0]) a0 = k; if (probs[i*8+k] > probs[i*8+a1]) a1 = k; } if (a0 == a1) agree++; }
          diff = String.format(" maxdiff=%.4f argmax_agree=%d/%d", md, agree, p0.length / 8); }
        else ref.put(key, probs);
        System.out.printf("%s batch=%d frames=%d: %.1f us/call, %.3f ms per stream-second%s%n", path, B, frames, us, us / B / steps * 25 / 1000, diff);
      }
    }
  }
}
