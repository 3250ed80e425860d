"""The streaming CRNN: 4-frame stacking (40 ms steps, the frames as input channels), convolutions
along frequency within each step, a unidirectional LSTM whose (h, c) are explicit inputs and
outputs, and a classifier at every step.

Nothing looks ahead in time, so running the network over a stream in chunks (carrying the state
tensors and the frames that do not yet fill a step) gives exactly the full-sequence output. Global
feature normalisation (mean/std per mel band over the training data) is part of the graph.

With stream_norm, the network also sees each frame minus the running mean of the stream's frames
so far (shrunk toward the global mean by a prior of `norm_prior` frames): a streaming-safe
speaker/channel normalisation. Its running sum and frame count are two more state tensors.
"""
import torch
from torch import nn

LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


class StreamingCRNN(nn.Module):
    def __init__(self, n_features=64, n_classes=len(LABELS), stack=4, channels=(32, 32), embed=256,
                 hidden=192, dropout=0.2, stream_norm=False, norm_prior=300.0, lstm_layers=1, context_steps=0):
        super().__init__()
        self.config = dict(n_features=n_features, n_classes=n_classes, stack=stack, channels=list(channels),
                           embed=embed, hidden=hidden, dropout=dropout, stream_norm=stream_norm,
                           norm_prior=norm_prior, lstm_layers=lstm_layers, context_steps=context_steps)
        self.n_features = n_features
        self.stack = stack
        self.hidden = hidden
        self.stream_norm = stream_norm
        self.norm_prior = norm_prior
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        c1, c2 = channels
        views = 2 if stream_norm else 1
        self.step_channels = stack * views
        # Convolutions along frequency only, over the `stack` frames of one step taken as input
        # channels: a step sees 40 ms of context and nothing of its neighbours, so there is no
        # convolution state to carry across chunks, and the conv runs once per step, not per frame.
        # With context_steps K the convolutions also see the K steps before (their frames as more
        # input channels: (K + 1) x 40 ms); those steps' inputs are then a state tensor, "ctx".
        self.context_steps = context_steps
        self.freq_conv = nn.Sequential(
            nn.Conv1d(self.step_channels * (context_steps + 1), c1, 5, padding=2), nn.BatchNorm1d(c1), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(c1, c2, 5, padding=2), nn.BatchNorm1d(c2), nn.ReLU(), nn.MaxPool1d(2),
        )
        self.embed = nn.Sequential(nn.Dropout(dropout), nn.Linear(c2 * (n_features // 4), embed), nn.ReLU())
        self.lstm_layers = lstm_layers
        self.lstm = nn.LSTM(embed, hidden, num_layers=lstm_layers, batch_first=True,
                            dropout=dropout if lstm_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def state_names(self):
        """(input, output) names of the state tensors, in forward's order."""
        names = [("h0", "hn"), ("c0", "cn")]
        if self.stream_norm:
            names += [("norm_sum0", "norm_sum"), ("norm_count0", "norm_count")]
        if self.context_steps:
            names += [("ctx0", "ctx")]
        return names

    def initial_state(self, batch):
        h = torch.zeros(self.lstm_layers, batch, self.hidden)
        state = [h, h.clone()]
        if self.stream_norm:
            state += [torch.zeros(batch, self.n_features), torch.zeros(batch, 1)]
        if self.context_steps:
            # The previous steps' normalised inputs; zeros (the global mean) before the first step.
            state += [torch.zeros(batch, self.context_steps * self.step_channels * self.n_features)]
        return tuple(state)

    def forward(self, features, *state, lengths=None, with_lstm_output=False):
        """features [B, T, F] with T a multiple of stack; state as initial_state() gives it.
        Returns logits [B, T/stack, classes] and the new state tensors. lengths (training only): each
        clip's valid steps; the convolutions then run on those steps alone, so BatchNorm's batch
        statistics never see padding (the steps after a clip's end get zeros, which nothing valid
        reads: every later layer is causal). with_lstm_output (training only): the LSTM's output
        [B, T/stack, hidden] is appended, for train.py's predictive auxiliary loss."""
        b, t, f = features.shape
        s = t // self.stack
        x = (features - self.mean) / self.std
        new_norm = ()
        if self.stream_norm:
            norm_sum, norm_count = state[2], state[3]
            csum = norm_sum[:, None, :] + torch.cumsum(features, dim=1)                 # [B, T, F]
            count = norm_count[:, None, :] + torch.arange(1, t + 1, dtype=features.dtype,
                                                       device=features.device)[None, :, None]
            running = (csum + self.norm_prior * self.mean) / (count + self.norm_prior)
            local = (features - running) / self.std
            x = torch.stack([x, local], dim=2).reshape(b, t * 2, f)                     # frame-major views
            new_norm = (csum[:, -1, :], count[:, -1, :])
        c = self.step_channels
        new_ctx = ()
        if self.context_steps:
            k = self.context_steps
            seq = torch.cat([state[-1].reshape(b, k, c, f), x.reshape(b, s, c, f)], dim=1)   # [B, K+S, C, F]
            # step i sees steps i-K..i, oldest first, as (K+1)*C input channels
            x = torch.cat([seq[:, j:j + s] for j in range(k + 1)], dim=2)                   # [B, S, (K+1)C, F]
            new_ctx = (seq[:, s:].reshape(b, k * c * f),)
            c = c * (k + 1)
        x = x.reshape(b * s, c, f)
        if lengths is None:
            x = self.freq_conv(x)                                       # [B*S, C, F/4]
        else:
            valid = (torch.arange(s, device=x.device)[None, :] < lengths[:, None]).reshape(-1)
            conv = self.freq_conv(x[valid])
            x = conv.new_zeros((b * s,) + conv.shape[1:]).index_put((valid.nonzero()[:, 0],), conv)
        x = self.embed(x.reshape(b, s, -1))
        y, (hn, cn) = self.lstm(x, (state[0], state[1]))
        return (self.head(y), hn, cn) + new_norm + new_ctx + ((y,) if with_lstm_output else ())


class ExportWrapper(nn.Module):
    """The ONNX graph: softmax probabilities instead of logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def initial_state(self, batch):
        return self.model.initial_state(batch)

    def forward(self, features, *state):
        logits, *new_state = self.model(features, *state)
        return (torch.softmax(logits, dim=-1), *new_state)


class EnsembleWrapper(nn.Module):
    """Several trainings of one network as one ONNX graph: each member runs on the same features
    and its own slice of h and c (the members' states concatenated along the hidden axis, so the
    graph keeps ExportWrapper's inputs and outputs), and the graph returns the members' softmax
    probabilities averaged at every step. The running-normalisation state is a function of the
    features alone (their sum and count), the same for every member, so the members share it."""

    def __init__(self, members):
        super().__init__()
        first = members[0].config
        for m in members[1:]:
            if m.config != first:
                raise ValueError(f"ensemble members differ: {m.config} vs {first}")
        if first["context_steps"]:
            raise ValueError("ensembles of models with context_steps are not supported (their ctx state is per member)")
        self.members = nn.ModuleList(members)
        self.n_features = members[0].n_features
        self.stack = members[0].stack

    def initial_state(self, batch):
        h, c, *shared = self.members[0].initial_state(batch)
        n = len(self.members)
        return (h.repeat(1, 1, n), c.repeat(1, 1, n), *shared)

    def forward(self, features, h, c, *shared):
        n = len(self.members)
        hs, cs = h.chunk(n, dim=2), c.chunk(n, dim=2)
        probs, hn, cn, shared_out = [], [], [], ()
        for i, m in enumerate(self.members):
            logits, h_i, c_i, *rest = m(features, hs[i].contiguous(), cs[i].contiguous(), *shared)
            probs.append(torch.softmax(logits, dim=-1))
            hn.append(h_i)
            cn.append(c_i)
            if i == 0:
                shared_out = tuple(rest)  # the other members computed the same values (pruned from the graph)
        return (torch.stack(probs).mean(0), torch.cat(hn, dim=2), torch.cat(cn, dim=2), *shared_out)
