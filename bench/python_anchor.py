#!/usr/bin/python3
"""The "plain Python consumer": what a user would write instead of emostream, for side-by-side runs
with `emostream bench`.

    apt-get install python3-confluent-kafka python3-torch python3-torchaudio
    /usr/bin/python3 bench/python_anchor.py --checkpoint /work/emo/eval/fold-1/model.pt \
        [--bootstrap-servers 127.0.0.1:9092] [--group python-anchor] [--threads 1]

The topics must exist (emostream.audio and emostream.emotions; create them with the partitions
you want). No emostream service may consume the same audio topic and write the same events topic,
or the bench would see both services' events: use a separate cluster, or a service on other topics
(`emostream run -s topic.audio=x.audio -s topic.emotions=x.emotions -s topic.dlq=x.dlq`, which is
also a way to get a one-node broker: `-s embedded.port=19092`, no --bootstrap-servers). Start this
script first and wait for its "assigned N partition(s)" line on stderr (it reads from the end of
the topic, auto.offset.reset=latest), then drive it like a running service:

    java -jar target/emostream.jar bench --bootstrap-servers 127.0.0.1:19092 --streams 10,50,100

Stop it with Ctrl-C / SIGTERM (it flushes its producer and prints a summary).

What it does, in one process and one thread (the way a careful user would write it; no strawman):

* confluent-kafka (librdkafka) consumer on --audio-topic (default emostream.audio), group --group,
  auto.offset.reset=latest, auto commit (at least once; no transactions, unlike emostream's default
  exactly_once_v2). `consume(num_messages=500, timeout=0.01)` in a loop.
* AudioFrame values in Avro single-object encoding (C3 01, the 8-byte little-endian CRC-64-AVRO
  fingerprint of the schema's Parsing Canonical Form, the Avro binary datum), decoded by hand: the
  schemas are flat and fixed, and a hand decoder is simpler and faster than python3-avro. The
  fingerprints are computed at start from schemas/*.avsc (Parsing Canonical Form and CRC-64-AVRO as
  the Avro specification defines them). Only 16 kHz mono s16le is supported (what the load
  generator sends); anything else is skipped and counted, as are undecodable records, key
  mismatches, duplicates / out-of-order sequence numbers and frames after end_of_stream.
* Per stream id: the samples not yet framed, the log-mel frames not yet filling a 4-frame model
  step, and the model's recurrent state (LSTM h, c and the running-normalisation sum and count).
* Features: torchaudio.transforms.MelSpectrogram(center=False) with the checkpoint's feature spec
  (models/feature-spec.json: 16 kHz, win 400, hop 160, n_fft 512, periodic Hann, power 2, 64
  Slaney mels with Slaney norm, 20-7600 Hz) then ln(max(mel, 1e-10)), in float32, computed once per
  poll batch per stream on the carried + new samples. torch.stft puts the 400-sample window in the
  middle of the 512-sample frame, so the stream is preceded by 56 zeros and the call sees 56 more
  zeros after the buffered audio: frame i covers audio [160 i, 160 i + 400) and is computed as soon
  as that audio is there, exactly emostream's framing (the same alignment as the Java tests'
  reference, src/test/resources/features/make_reference.py).
* Model: models/train/model.py StreamingCRNN from --checkpoint (torch.load; "state" and "config"
  as models/train/export.py loads them), eval mode, torch.no_grad(), torch.set_num_threads(--threads,
  default 1), softmax over the logits. After each poll batch every stream with at least one whole
  4-frame step queued is stepped; streams with the same number of whole steps go into ONE batched
  forward call (their states concatenated along the batch axis), so a batch of N streams costs
  one call per distinct step count, not N calls. Streams are never padded.
* Events as emostream makes them: one EmotionEvent per --event-hop-ms (500) of a stream's audio
  (the first step whose end reaches each multiple of the hop; step s ends at 40 s + 55 ms), a final
  one at end_of_stream (or after --idle-timeout-s without frames) with the last posterior and the
  stream's whole audio length, after which the stream's state is dropped. audio_start_ms is the
  previous event's end; last_sequence / frame_time are the sequence number and Kafka timestamp of
  the frame that completed the step (as emostream does; for the final event, the newest frame);
  emit_time is the wall clock at emission, processing_latency_ms = emit_time - frame_time.
  model_version is the checkpoint's "model_version" if it has one, else --model-version
  ("python-anchor"). Written to --events-topic (emostream.emotions) keyed by stream id, timestamp
  = frame_time, in Avro single-object encoding of schemas/EmotionEvent.avsc (hand-encoded, byte for
  byte what Avro's Java writer produces), producer linger.ms=5.
* Every --status-s (5 s) a line on stderr: frames consumed/s, events/s, active streams, consumer lag
  (records behind the high watermark librdkafka last saw, summed over assigned partitions), model
  calls/s and mean batch, skipped records by reason.

Checked against emostream (smoke test on an embedded broker): the two fingerprints equal Avro
Java's SchemaNormalization.parsingFingerprint64; events written here decode with the Java contract
classes and re-encode to the same bytes; on the same generated audio the events equal the service's
(hop boundaries, labels, last_sequence, final events; probabilities within 4e-7) with the shipped
model's checkpoint. Debian bookworm: python3-confluent-kafka 1.7.0 (librdkafka 2.0.2), torch 1.13.

What it measures, next to `emostream bench`: the same load and the same latency definition (the
bench's consumer times each event from the send of its last_sequence frame to its arrival), so the
difference is emostream's JVM pipeline (Kafka Streams, Java DSP, batched ONNX Runtime,
exactly-once commits) against librdkafka + torchaudio + PyTorch eager in one Python thread.
"""
import argparse
import collections
import json
import signal
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torchaudio
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "models" / "train"))
from model import LABELS, StreamingCRNN  # noqa: E402

# --------------------------------------------------------------------------------------------------
# Avro: Parsing Canonical Form, CRC-64-AVRO fingerprint, binary encoding (by hand, for two flat schemas)

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_CANONICAL_KEYS = ("name", "type", "fields", "symbols", "items", "values", "size")


def _canonical(schema, namespace, seen):
    """The Parsing Canonical Form (Avro spec, "Transforming into Parsing Canonical Form") as a JSON value."""
    if isinstance(schema, str):
        if schema in _PRIMITIVES:
            return schema
        return schema if "." in schema or not namespace else namespace + "." + schema  # named reference
    if isinstance(schema, list):
        return [_canonical(s, namespace, seen) for s in schema]
    kind = schema["type"]
    if kind in _PRIMITIVES:
        return kind  # {"type": "long", "logicalType": ...} -> "long"
    out = {}
    if kind in ("record", "error", "enum", "fixed"):
        name = schema["name"]
        ns = schema.get("namespace", namespace)
        full = name if "." in name or not ns else ns + "." + name
        if full in seen:
            return full
        seen.add(full)
        namespace = full.rsplit(".", 1)[0] if "." in full else ""
        out["name"] = full
    out["type"] = "record" if kind == "error" else kind
    if kind in ("record", "error"):
        out["fields"] = [{"name": f["name"], "type": _canonical(f["type"], namespace, seen)} for f in schema["fields"]]
    if kind == "enum":
        out["symbols"] = schema["symbols"]
    if kind == "array":
        out["items"] = _canonical(schema["items"], namespace, seen)
    if kind == "map":
        out["values"] = _canonical(schema["values"], namespace, seen)
    if kind == "fixed":
        out["size"] = int(schema["size"])
    return {k: out[k] for k in _CANONICAL_KEYS if k in out}


def parsing_canonical_form(schema):
    return json.dumps(_canonical(schema, "", set()), separators=(",", ":"), ensure_ascii=False)


_CRC64_EMPTY = 0xC15D213AA4D7A795
_CRC64_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_CRC64_EMPTY & -(_fp & 1))
    _CRC64_TABLE.append(_fp)


def fingerprint64(data: bytes) -> int:
    """CRC-64-AVRO (Avro spec, "Schema Fingerprints")."""
    fp = _CRC64_EMPTY
    for b in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


def single_object_header(schema) -> bytes:
    """C3 01 + the fingerprint of the schema's Parsing Canonical Form, little-endian."""
    return b"\xc3\x01" + struct.pack("<Q", fingerprint64(parsing_canonical_form(schema).encode("utf-8")))


def _write_long(out: bytearray, n: int):
    n = (n << 1) ^ (n >> 63)  # zig-zag
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _write_string(out: bytearray, s: str):
    b = s.encode("utf-8")
    _write_long(out, len(b))
    out += b


def _write_optional_string(out: bytearray, s):
    if s is None:
        out.append(0)  # union branch 0: null
    else:
        out.append(2)  # union branch 1 (zig-zag 1 = 2): string
        _write_string(out, s)


class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos

    def long(self):
        buf, pos = self.buf, self.pos
        b = buf[pos]
        pos += 1
        n = b & 0x7F
        shift = 7
        while b & 0x80:
            b = buf[pos]
            pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")
        self.pos = pos
        return (n >> 1) ^ -(n & 1)

    def raw(self):
        n = self.long()
        if n < 0 or self.pos + n > len(self.buf):
            raise ValueError("bad length %d" % n)
        start = self.pos
        self.pos += n
        return self.buf[start:self.pos]

    def string(self):
        return self.raw().decode("utf-8")

    def optional_string(self):
        branch = self.long()
        if branch == 0:
            return None
        if branch == 1:
            return self.string()
        raise ValueError("bad union branch %d" % branch)

    def boolean(self):
        b = self.buf[self.pos]
        self.pos += 1
        if b > 1:
            raise ValueError("bad boolean")
        return b == 1


AudioFrame = collections.namedtuple("AudioFrame", "stream_id_bytes call_id role sequence capture_time sample_rate "
                                                  "encoding channels payload end_of_stream")


def decode_audio_frame(value: bytes, header: bytes) -> AudioFrame:
    """The AudioFrame datum after the 10-byte single-object header (fields in schema order)."""
    if value[:10] != header:
        raise ValueError("not an AudioFrame of this schema")
    r = _Reader(value, 10)
    stream_id = r.raw()
    call_id = r.optional_string()
    role = r.optional_string()
    sequence = r.long()
    capture_time = r.long()
    sample_rate = r.long()
    encoding = r.string()
    channels = r.long()
    payload = r.raw()
    end_of_stream = r.boolean()
    if r.pos != len(value):
        raise ValueError("%d trailing bytes" % (len(value) - r.pos))
    return AudioFrame(stream_id, call_id, role, sequence, capture_time, sample_rate, encoding, channels, payload,
                      end_of_stream)


# --------------------------------------------------------------------------------------------------
# Streams


class StreamState:
    __slots__ = ("key", "stream_id", "call_id", "role", "carry", "pending", "samples", "feats", "state",
                 "steps_done", "marks", "last_sequence", "last_frame_time", "last_seen", "end_reason",
                 "next_event_ms", "last_event_end_ms", "last_probs")

    def __init__(self, key, stream_id, call_id, role, model, n_features, pre_pad, hop_ms):
        self.key = key
        self.stream_id = stream_id
        self.call_id = call_id
        self.role = role
        self.carry = np.zeros(pre_pad, dtype=np.float32)  # audio not yet framed, after the stft pre-pad
        self.pending = []  # s16le payloads of this poll batch, not yet featurised
        self.samples = 0  # audio samples taken
        self.feats = torch.zeros(0, n_features)  # log-mel frames not yet stepped
        self.state = model.initial_state(1)
        self.steps_done = 0
        self.marks = collections.deque()  # (feature frames after the frame, sequence, kafka timestamp)
        self.last_sequence = None
        self.last_frame_time = 0
        self.last_seen = 0.0
        self.end_reason = None
        self.next_event_ms = hop_ms
        self.last_event_end_ms = 0
        self.last_probs = None


class Anchor:
    def __init__(self, args):
        self.args = args
        ckpt = torch.load(args.checkpoint, map_location="cpu")
        self.model = StreamingCRNN(**ckpt["config"])
        self.model.load_state_dict(ckpt["state"])
        self.model.eval()
        self.model_version = str(ckpt.get("model_version") or args.model_version)
        self.labels = list(ckpt.get("labels") or LABELS)
        spec = ckpt.get("feature_spec") or json.loads((ROOT / "models" / "feature-spec.json").read_text())
        if spec.get("window") != "hann_periodic" or spec.get("output") != "log_mel":
            raise SystemExit("this script implements the periodic-Hann log-mel spec only, not %r" % spec)
        self.spec = spec
        self.rate = spec["sample_rate"]
        self.win = spec["win_length"]
        self.hop = spec["hop_length"]
        self.n_fft = spec["n_fft"]
        self.pre_pad = (self.n_fft - self.win) // 2  # torch.stft centres the window in the n_fft frame
        self.post_pad = np.zeros(self.n_fft - self.win - self.pre_pad, dtype=np.float32)
        self.log_floor = spec["log_floor"]
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=self.rate, n_fft=self.n_fft, win_length=self.win, hop_length=self.hop,
            f_min=spec["f_min"], f_max=spec["f_max"], pad=0, n_mels=spec["n_mels"], window_fn=torch.hann_window,
            power=spec["power"], normalized=False, center=False,
            norm=None if spec["mel_norm"] == "none" else spec["mel_norm"], mel_scale=spec["mel_scale"])
        self.stack = self.model.stack
        self.hop_ms = args.event_hop_ms

        audio_schema = json.loads((ROOT / "schemas" / "AudioFrame.avsc").read_text())
        event_schema = json.loads((ROOT / "schemas" / "EmotionEvent.avsc").read_text())
        self.audio_header = single_object_header(audio_schema)
        self.event_header = single_object_header(event_schema)
        labels = bytearray()
        _write_long(labels, len(self.labels))
        for label in self.labels:
            _write_string(labels, label)
        labels.append(0)
        self.labels_bytes = bytes(labels)
        self.label_bytes = []
        for label in self.labels:
            b = bytearray(b"\x02")
            _write_string(b, label)
            self.label_bytes.append(bytes(b))
        mv = bytearray()
        _write_string(mv, self.model_version)
        self.model_version_bytes = bytes(mv)

        self.streams = {}
        self.dirty = {}
        self.skipped = collections.Counter()
        self.frames = 0
        self.events = 0
        self.finals = 0
        self.calls = 0
        self.batched = 0
        self.delivery_errors = 0
        self.stop = False

        self.consumer = Consumer({
            "bootstrap.servers": args.bootstrap_servers,
            "group.id": args.group,
            "auto.offset.reset": args.auto_offset_reset,
            "enable.auto.commit": True,
        })
        self.producer = Producer({
            "bootstrap.servers": args.bootstrap_servers,
            "linger.ms": 5,
            "delivery.report.only.error": True,
            "on_delivery": self._on_delivery,
        })

    # ---------------------------------------------------------------- Kafka callbacks

    def _on_delivery(self, err, msg):
        if err is not None:
            self.delivery_errors += 1
            if self.delivery_errors <= 5:
                print("event delivery failed: %s" % err, file=sys.stderr, flush=True)

    def _on_assign(self, consumer, partitions):
        print("assigned %d partition(s) of %s" % (len(partitions), self.args.audio_topic), file=sys.stderr, flush=True)

    # ---------------------------------------------------------------- records

    def frames_for(self, samples):
        """Feature frames that `samples` audio samples make (frame i needs [hop i, hop i + win))."""
        return 0 if samples < self.win else (samples - self.win) // self.hop + 1

    def on_record(self, msg, now):
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                self.skipped["kafka_error"] += 1
            return
        value = msg.value()
        try:
            f = decode_audio_frame(value, self.audio_header)
        except (ValueError, IndexError, TypeError, UnicodeDecodeError):
            self.skipped["undecodable"] += 1
            return
        if msg.key() != f.stream_id_bytes or not f.stream_id_bytes:
            self.skipped["key_mismatch"] += 1
            return
        if f.encoding != "s16le" or f.sample_rate != self.rate or f.channels != 1:
            self.skipped["unsupported_format"] += 1
            return
        if len(f.payload) % 2:
            self.skipped["partial_sample"] += 1
            return
        if not f.payload and not f.end_of_stream:
            self.skipped["empty_payload"] += 1
            return
        key = f.stream_id_bytes
        s = self.streams.get(key)
        if s is None:
            s = StreamState(key, key.decode("utf-8"), f.call_id, f.role, self.model, self.model.n_features,
                            self.pre_pad, self.hop_ms)
            self.streams[key] = s
        elif s.end_reason is not None:
            self.skipped["after_end_of_stream"] += 1
            return
        elif f.sequence <= s.last_sequence:
            self.skipped["duplicate_or_out_of_order"] += 1
            return
        if f.payload:
            s.pending.append(f.payload)
            s.samples += len(f.payload) // 2
        timestamp = msg.timestamp()[1]
        s.marks.append((self.frames_for(s.samples), f.sequence, timestamp))
        s.last_sequence = f.sequence
        s.last_frame_time = timestamp
        s.last_seen = now
        if f.end_of_stream:
            s.end_reason = "end_of_stream"
        self.dirty[key] = s
        self.frames += 1

    # ---------------------------------------------------------------- features, model, events

    def featurise(self, s):
        """Log-mel frames of the carried + new audio; what does not yet make a whole frame is carried."""
        if not s.pending:
            return
        new = np.frombuffer(b"".join(s.pending), dtype="<i2").astype(np.float32) * np.float32(1 / 32768)
        s.pending.clear()
        buf = np.concatenate((s.carry, new))
        # + post_pad zeros: they fall outside the window, so frame i is ready once its 400 samples are.
        n = (len(buf) + len(self.post_pad) - self.n_fft) // self.hop + 1
        if n <= 0:
            s.carry = buf
            return
        x = np.concatenate((buf[:(n - 1) * self.hop + self.n_fft - len(self.post_pad)], self.post_pad))
        mel = self.mel(torch.from_numpy(x))  # [n_mels, n]
        frames = torch.log(torch.clamp(mel, min=self.log_floor)).T
        s.feats = frames if s.feats.shape[0] == 0 else torch.cat((s.feats, frames))
        s.carry = buf[n * self.hop:]

    def step_end_ms(self, step):
        samples = ((step + 1) * self.stack - 1) * self.hop + self.win
        return samples * 1000 // self.rate

    def run_model(self, ready):
        """Steps the ready streams, one batched forward call per distinct number of whole steps."""
        groups = collections.defaultdict(list)
        for s in ready:
            k = s.feats.shape[0] // self.stack
            if k > 0:
                groups[k].append(s)
        for k, group in groups.items():
            t = k * self.stack
            if len(group) == 1:
                x = group[0].feats[:t].unsqueeze(0)
                state = group[0].state
            else:
                x = torch.stack([s.feats[:t] for s in group])
                state = tuple(torch.cat([s.state[i] for s in group], dim=1 if group[0].state[i].dim() == 3 else 0)
                              for i in range(len(group[0].state)))
            with torch.no_grad():
                logits, *new_state = self.model(x, *state)
                probs = torch.softmax(logits, dim=-1).numpy()  # [B, k, classes]
            self.calls += 1
            self.batched += len(group)
            for b, s in enumerate(group):
                s.state = tuple(st[:, b:b + 1] if st.dim() == 3 else st[b:b + 1] for st in new_state)
                s.feats = s.feats[t:]
                for j in range(k):
                    step = s.steps_done + j
                    end_ms = self.step_end_ms(step)
                    if end_ms >= s.next_event_ms:
                        needed = (step + 1) * self.stack
                        while s.marks and s.marks[0][0] < needed:
                            s.marks.popleft()
                        seq, ts = (s.marks[0][1], s.marks[0][2]) if s.marks else (s.last_sequence, s.last_frame_time)
                        self.emit(s, s.last_event_end_ms, end_ms, probs[b, j], seq, ts, None)
                        s.last_event_end_ms = end_ms
                        while s.next_event_ms <= end_ms:
                            s.next_event_ms += self.hop_ms
                s.steps_done += k
                s.last_probs = probs[b, k - 1]

    def emit(self, s, start_ms, end_ms, probs, sequence, frame_time, final_reason):
        now = int(time.time() * 1000)
        out = bytearray(self.event_header)
        _write_string(out, s.stream_id)
        _write_optional_string(out, s.call_id)
        _write_optional_string(out, s.role)
        _write_long(out, start_ms)
        _write_long(out, end_ms)
        if probs is None:
            out.append(0)  # label null
            out += b"\x00\x00\x00\x00"  # confidence 0.0f
            out += self.labels_bytes
            out.append(0)  # probabilities: empty array
        else:
            best = int(np.argmax(probs))
            out += self.label_bytes[best]
            out += struct.pack("<f", probs[best])
            out += self.labels_bytes
            _write_long(out, len(probs))
            out += probs.astype("<f4").tobytes()
            out.append(0)
        out += self.model_version_bytes
        _write_long(out, sequence)
        _write_long(out, frame_time)
        _write_long(out, now)
        _write_long(out, now - frame_time)
        if final_reason is None:
            out += b"\x00\x00"  # final false, final_reason null
        else:
            out += b"\x01\x02"  # final true, final_reason string
            _write_string(out, final_reason)
        while True:
            try:
                self.producer.produce(self.args.events_topic, bytes(out), s.key, timestamp=frame_time)
                break
            except BufferError:
                self.producer.poll(0.05)
        self.events += 1
        if final_reason is not None:
            self.finals += 1

    def finish(self, s):
        """The final event: last posterior, the stream's whole audio, the newest frame; then the state goes."""
        self.emit(s, s.last_event_end_ms, s.samples * 1000 // self.rate, s.last_probs, s.last_sequence,
                  s.last_frame_time, s.end_reason)
        del self.streams[s.key]

    def process_dirty(self):
        if not self.dirty:
            return
        ready = []
        for s in self.dirty.values():
            self.featurise(s)
            if s.feats.shape[0] >= self.stack:
                ready.append(s)
        self.run_model(ready)
        for s in self.dirty.values():
            if s.end_reason is not None:
                self.finish(s)
        self.dirty.clear()

    def evict_idle(self, now):
        for s in list(self.streams.values()):
            if s.end_reason is None and now - s.last_seen >= self.args.idle_timeout_s:
                s.end_reason = "idle_timeout"
                self.dirty[s.key] = s

    # ---------------------------------------------------------------- status

    def lag(self):
        try:
            total = 0
            for tp in self.consumer.position(self.consumer.assignment()):
                if tp.offset < 0:
                    continue
                _, high = self.consumer.get_watermark_offsets(tp, cached=True)
                if high >= 0:
                    total += max(0, high - tp.offset)
            return total
        except Exception:  # noqa: BLE001 - status only
            return -1

    # ---------------------------------------------------------------- main loop

    def warm_up(self):
        with torch.no_grad():
            for b in (1, 4):
                self.model(torch.zeros(b, self.stack, self.model.n_features), *self.model.initial_state(b))
        self.mel(torch.zeros(self.n_fft + 4 * self.hop))

    def run(self):
        self.warm_up()
        self.consumer.subscribe([self.args.audio_topic], on_assign=self._on_assign)
        started = last_status = last_idle = time.monotonic()
        frames0, events0, calls0, batched0 = 0, 0, 0, 0
        try:
            while not self.stop:
                msgs = self.consumer.consume(num_messages=self.args.poll_batch, timeout=self.args.poll_timeout_ms / 1000)
                now = time.monotonic()
                for msg in msgs:
                    self.on_record(msg, now)
                if now - last_idle >= 1.0:
                    self.evict_idle(now)
                    last_idle = now
                self.process_dirty()
                self.producer.poll(0)
                if now - last_status >= self.args.status_s:
                    dt = now - last_status
                    calls = self.calls - calls0
                    print("frames/s=%.0f events/s=%.1f streams=%d lag=%d model_calls/s=%.1f mean_batch=%.1f "
                          "finals=%d skipped=%s" % ((self.frames - frames0) / dt, (self.events - events0) / dt,
                                                    len(self.streams), self.lag(), calls / dt,
                                                    (self.batched - batched0) / calls if calls else 0.0, self.finals,
                                                    dict(self.skipped) or 0), file=sys.stderr, flush=True)
                    last_status = now
                    frames0, events0, calls0, batched0 = self.frames, self.events, self.calls, self.batched
        finally:
            self.producer.flush(10)
            self.consumer.close()
            dt = time.monotonic() - started
            print("done: %.1f s, frames=%d events=%d finals=%d model_calls=%d streams_open=%d skipped=%s "
                  "delivery_errors=%d" % (dt, self.frames, self.events, self.finals, self.calls, len(self.streams),
                                         dict(self.skipped), self.delivery_errors), file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True, help="model.pt of models/train/train.py")
    ap.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    ap.add_argument("--group", default="python-anchor")
    ap.add_argument("--audio-topic", default="emostream.audio")
    ap.add_argument("--events-topic", default="emostream.emotions")
    ap.add_argument("--auto-offset-reset", default="latest", choices=["latest", "earliest"])
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--model-version", default="python-anchor", help="when the checkpoint has none")
    ap.add_argument("--event-hop-ms", type=int, default=500)
    ap.add_argument("--idle-timeout-s", type=float, default=30.0)
    ap.add_argument("--poll-batch", type=int, default=500, help="consume(num_messages=...)")
    ap.add_argument("--poll-timeout-ms", type=float, default=10.0, help="consume(timeout=...)")
    ap.add_argument("--status-s", type=float, default=5.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    anchor = Anchor(args)

    def stop(signum, frame):
        anchor.stop = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    anchor.run()


if __name__ == "__main__":
    main()
