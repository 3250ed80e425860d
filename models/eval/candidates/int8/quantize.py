"""Dynamic int8 quantisation of the emotion model's LSTM and linear layers (a measurement, not shipped):

    /usr/bin/python3 quantize.py models/emotion-crnn.onnx /tmp/crnn-int8.onnx
    java -cp target/emostream.jar models/eval/candidates/int8/OrtTime.java models/emotion-crnn.onnx /tmp/crnn-int8.onnx 4

MatMul with a constant B -> com.microsoft DynamicQuantizeMatMul, LSTM -> DynamicQuantizeLSTM (the
layout ONNX Runtime's own quantiser writes: W, R transposed to [dirs, in, 4h]); weights int8, symmetric,
per output channel. BENCHMARKS.md has the figures."""
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
inits = {i.name: i for i in g.initializer}
def q_per_row(w):  # w [rows, cols] -> int8 per row symmetric
    s = np.abs(w).max(axis=1) / 127.0
    s[s == 0] = 1.0
    q = np.clip(np.round(w / s[:, None]), -127, 127).astype(np.int8)
    return q, s.astype(np.float32)
new_nodes = []
for n in g.node:
    if n.op_type == 'MatMul' and n.input[1] in inits:
        B = numpy_helper.to_array(inits[n.input[1]])  # [K, N]
        q, s = q_per_row(B.T)  # per column of B
        base = n.input[1]
        g.initializer.extend([numpy_helper.from_array(q.T.copy(), base + '_q'), numpy_helper.from_array(s, base + '_s'),
                              numpy_helper.from_array(np.zeros_like(s, dtype=np.int8), base + '_zp')])
        new_nodes.append(helper.make_node('DynamicQuantizeMatMul', [n.input[0], base + '_q', base + '_s', base + '_zp'], list(n.output),
                                          n.name + '_quant', domain='com.microsoft'))
    elif n.op_type == 'LSTM':
        W = numpy_helper.to_array(inits[n.input[1]]); R = numpy_helper.to_array(inits[n.input[2]])
        d, h4, isz = W.shape; _, _, hs = R.shape
        qw, sw = q_per_row(W.reshape(d * h4, isz)); qr, sr = q_per_row(R.reshape(d * h4, hs))
        qw = qw.reshape(d, h4, isz).transpose(0, 2, 1).copy(); qr = qr.reshape(d, h4, hs).transpose(0, 2, 1).copy()
        b = n.input[1]; r = n.input[2]
        g.initializer.extend([numpy_helper.from_array(qw, b + '_q'), numpy_helper.from_array(sw.reshape(d, h4), b + '_s'),
                              numpy_helper.from_array(np.zeros((d, h4), np.int8), b + '_zp'),
                              numpy_helper.from_array(qr, r + '_q'), numpy_helper.from_array(sr.reshape(d, h4), r + '_s'),
                              numpy_helper.from_array(np.zeros((d, h4), np.int8), r + '_zp')])
        ins = list(n.input) + [''] * (8 - len(n.input))
        ins = [ins[0], b + '_q', r + '_q'] + ins[3:8] + [b + '_s', b + '_zp', r + '_s', r + '_zp']
        nn = helper.make_node('DynamicQuantizeLSTM', ins, list(n.output), n.name + '_quant', domain='com.microsoft')
        nn.attribute.extend(n.attribute)
        new_nodes.append(nn)
    else:
        new_nodes.append(n)
del g.node[:]
g.node.extend(new_nodes)
used = {i for n in g.node for i in n.input}
keep = [i for i in g.initializer if i.name in used]
del g.initializer[:]; g.initializer.extend(keep)
if not any(o.domain == 'com.microsoft' for o in m.opset_import):
    m.opset_import.append(helper.make_opsetid('com.microsoft', 1))
onnx.save(m, dst)
print('saved', dst)
