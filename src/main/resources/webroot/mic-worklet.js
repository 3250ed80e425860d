// AudioWorklet processor for mic.html: turns the microphone's Float32 render quanta (128 frames each)
// into 16-bit little-endian PCM and posts it to the main thread in fixed chunks (20 ms by default, i.e.
// 320 samples at 16 kHz). Fixed, small chunks keep the gateway's frames regular and its latency low,
// without one WebSocket message per 8 ms render quantum.
//
// The node is created with channelCount 1 / channelCountMode "explicit", so the audio graph has already
// down-mixed a stereo microphone to mono when process() sees it.

class PcmChunker extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.chunkSamples = options.processorOptions.chunkSamples;
    this.newChunk();
  }

  newChunk() {
    this.chunk = new ArrayBuffer(this.chunkSamples * 2);
    this.view = new DataView(this.chunk);
    this.filled = 0;
    this.peak = 0; // loudest sample of the chunk, for the page's level meter
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    // No input yet (or any more): keep the processor alive, the main thread disconnects it on stop.
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const sample = Math.max(-1, Math.min(1, channel[i]));
      this.peak = Math.max(this.peak, Math.abs(sample));
      // Asymmetric scale: -1.0 maps to -32768 and +1.0 to 32767, the full s16 range without overflow.
      const value = Math.round(sample < 0 ? sample * 0x8000 : sample * 0x7fff);
      this.view.setInt16(this.filled * 2, value, true); // true: little-endian, whatever the CPU is
      this.filled++;
      if (this.filled === this.chunkSamples) {
        // Transfer (not copy) the buffer to the main thread, then start a new one.
        this.port.postMessage({ pcm: this.chunk, samples: this.chunkSamples, peak: this.peak }, [this.chunk]);
        this.newChunk();
      }
    }
    return true;
  }
}

registerProcessor('pcm-chunker', PcmChunker);
