package dev.wormholes.onion.stream;

/** What {@link CircuitStreams} reports to its driver; every event names its circuit and stream. */
public sealed interface StreamEvent {
  /** Return the circuit handle. */
  long circuit();

  /** Return the stream id. */
  int stream();

  /**
   * The originator asks this node (the circuit's far end) to open a stream: answer with {@link
   * CircuitStreams#accept} or {@link CircuitStreams#end}.
   *
   * @param circuit the circuit
   * @param stream the stream
   * @param target what the originator wants reached, as it wrote it (at most one cell's data)
   */
  record Begin(long circuit, int stream, byte[] target) implements StreamEvent {}

  /** The far end accepted a stream this node opened. @param circuit the circuit @param stream the stream */
  record Connected(long circuit, int stream) implements StreamEvent {}

  /**
   * Bytes arrived on a stream; call {@link CircuitStreams#consumed} once they are passed on.
   *
   * @param circuit the circuit
   * @param stream the stream
   * @param data the bytes (one cell's worth)
   */
  record Data(long circuit, int stream, byte[] data) implements StreamEvent {}

  /**
   * The stream is over: the other end ended it, or its circuit is gone.
   *
   * @param circuit the circuit
   * @param stream the stream
   * @param reason why ({@link CircuitStreams#DONE} when the other end finished normally)
   */
  record Ended(long circuit, int stream, int reason) implements StreamEvent {}

  /** A stream whose window was full may take more bytes ({@link CircuitStreams#write}). */
  record Writable(long circuit, int stream) implements StreamEvent {}
}
