package dev.wormholes.onion.crypto;

import dev.wormholes.onion.crypto.RelayCrypto.RelayLayer;
import java.util.Random;

/**
 * A client and {@code n} relays sharing one layer each, cells passed hop to hop in memory (the
 * three-hop fixture of Tor's test_relaycrypt.c, for 1-8 hops). A {@link Tamper} sees every cell
 * as it arrives at a hop outbound, or leaves a hop inbound. The circuit closes the first time a
 * cell is recognised by nobody (the last relay outbound, the client inbound), and then delivers
 * nothing more.
 */
final class CircuitFixture {
  /** Result of a send on a closed circuit. */
  static final int CLOSED = -2;
  /** Result of a send that nobody recognised (the circuit closes). */
  static final int FAILED = -1;

  /** Something on the path that may modify a cell. */
  interface Tamper {
    /** Modify {@code body} at {@code hop} travelling {@code outbound} or not. */
    void apply(int hop, boolean outbound, byte[] body);
  }

  final ClientCircuitCrypto client = new ClientCircuitCrypto();
  final RelayLayer[] relays;
  Tamper tamper = (hop, outbound, body) -> {};
  boolean closed;

  CircuitFixture(RelayCrypto.Scheme scheme, int hops, Random random) {
    relays = new RelayLayer[hops];
    for (int h = 0; h < hops; h++) {
      byte[] seed = new byte[scheme.seedBytes()];
      random.nextBytes(seed);
      client.addHop(scheme.client(seed));
      relays[h] = scheme.relay(seed);
    }
  }

  int hops() {
    return relays.length;
  }

  /**
   * Send {@code body} (bytes 16.. are the message) from the client to {@code target}; return the
   * hop that recognised it (its body then holds the plaintext), {@link #FAILED} or {@link #CLOSED}.
   */
  int sendOutbound(int target, int cmd, byte[] body) {
    if (closed) {
      return CLOSED;
    }
    client.originate(target, cmd, body);
    for (int h = 0; h < relays.length; h++) {
      tamper.apply(h, true, body);
      if (relays[h].outbound().decryptOutbound(cmd, body)) {
        return h;
      }
    }
    closed = true;
    return FAILED;
  }

  /**
   * Send {@code body} from hop {@code origin} to the client; return the hop the client recognised
   * it from, {@link #FAILED} or {@link #CLOSED}.
   */
  int sendInbound(int origin, int cmd, byte[] body) {
    if (closed) {
      return CLOSED;
    }
    relays[origin].inbound().originate(cmd, body);
    tamper.apply(origin, false, body);
    for (int h = origin - 1; h >= 0; h--) {
      relays[h].inbound().encryptInbound(cmd, body);
      tamper.apply(h, false, body);
    }
    int from = client.recognise(cmd, body);
    if (from < 0) {
      closed = true;
    }
    return from;
  }
}
