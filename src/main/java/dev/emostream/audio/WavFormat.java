package dev.emostream.audio;

/** What a WAV file's fmt chunk established; {@code blockAlign} is the bytes of one frame. */
record WavFormat(Encoding encoding, int channels, int sampleRate, int blockAlign) {
}
