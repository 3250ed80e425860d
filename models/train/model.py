"""The streaming CRNN: 4-frame stacking (40 ms steps, the frames as input channels), convolutions
along frequency within each step, a unidirectional LSTM whose (h, c) are explicit inputs and
outputs, and a classifier at every step.

Nothing looks ahead in time, so running the network over a stream in chunks (carrying h, c and
the frames that do not yet fill a step) gives exactly the full-sequence output. Global feature
normalisation (mean/std per mel band over the training data) is part of the graph.
"""
import torch
from torch import nn

LABELS = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]


class StreamingCRNN(nn.Module):
    def __init__(self, n_features=64, n_classes=len(LABELS), stack=4, channels=(32, 32), embed=256,
                 hidden=192, dropout=0.2):
        super().__init__()
        self.config = dict(n_features=n_features, n_classes=n_classes, stack=stack, channels=list(channels),
                           embed=embed, hidden=hidden, dropout=dropout)
        self.n_features = n_features
        self.stack = stack
        self.hidden = hidden
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("std", torch.ones(n_features))
        c1, c2 = channels
        # Convolutions along frequency only, over the `stack` frames of one step taken as input
        # channels: a step sees 40 ms of context and nothing of its neighbours, so there is no
        # convolution state to carry across chunks, and the conv runs once per step, not per frame.
        self.freq_conv = nn.Sequential(
            nn.Conv1d(stack, c1, 5, padding=2), nn.BatchNorm1d(c1), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(c1, c2, 5, padding=2), nn.BatchNorm1d(c2), nn.ReLU(), nn.MaxPool1d(2),
        )
        self.embed = nn.Sequential(nn.Dropout(dropout), nn.Linear(c2 * (n_features // 4), embed), nn.ReLU())
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def steps(self, frames):
        return frames // self.stack

    def forward(self, features, h0, c0):
        """features [B, T, F] with T a multiple of stack; h0, c0 [1, B, hidden].
        Returns logits [B, T/stack, classes], hn, cn."""
        b, t, f = features.shape
        s = t // self.stack
        x = (features - self.mean) / self.std
        x = self.freq_conv(x.reshape(b * s, self.stack, f))   # [B*S, C, F/4]
        x = self.embed(x.reshape(b, s, -1))
        y, (hn, cn) = self.lstm(x, (h0, c0))
        return self.head(y), hn, cn

    def initial_state(self, batch):
        z = torch.zeros(1, batch, self.hidden)
        return z, z.clone()


class ExportWrapper(nn.Module):
    """The ONNX graph: softmax probabilities instead of logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, features, h0, c0):
        logits, hn, cn = self.model(features, h0, c0)
        return torch.softmax(logits, dim=-1), hn, cn
