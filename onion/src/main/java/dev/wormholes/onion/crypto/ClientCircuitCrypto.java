package dev.wormholes.onion.crypto;

import dev.wormholes.onion.crypto.RelayCrypto.ClientLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's layers of one circuit, hop 0 nearest: originates outbound cells for a hop and finds
 * which hop an inbound cell came from. Tor's {@code relay_encrypt_cell_outbound} and {@code
 * relay_decrypt_cell} for the client side.
 */
public final class ClientCircuitCrypto {
  /** Most hops a circuit may have. */
  public static final int MAX_HOPS = 8;

  /** Bytes of a cell's authenticator ({@link #lastTag}). */
  public static final int TAG_BYTES = 16;

  private final List<ClientLayer> hops = new ArrayList<>(MAX_HOPS);
  private final byte[] tag = new byte[TAG_BYTES];

  /** Append the layer of the next hop; throw if the circuit already has {@link #MAX_HOPS}. */
  public void addHop(ClientLayer layer) {
    if (hops.size() == MAX_HOPS) {
      throw new IllegalStateException("a circuit has at most " + MAX_HOPS + " hops");
    }
    hops.add(layer);
  }

  /** Return the layer of {@code hop}. */
  public ClientLayer hopLayer(int hop) {
    return hops.get(hop);
  }

  /** Return the number of hops. */
  public int hops() {
    return hops.size();
  }

  /**
   * Make {@code body} (bytes 16.. hold the relay message) a cell addressed to {@code hop}, wrapped
   * in every nearer hop's layer, ready to send to hop 0.
   */
  public void originate(int hop, int cmd, byte[] body) {
    hops.get(hop).outbound().originate(cmd, body);
    System.arraycopy(body, 0, tag, 0, TAG_BYTES);
    for (int h = hop - 1; h >= 0; h--) {
      hops.get(h).outbound().encryptOutbound(cmd, body);
    }
  }

  /**
   * Peel layers off a cell from hop 0, nearest first; return the hop that originated it, or -1 if
   * no layer recognises it (the circuit was tampered with: close it; the body is garbage).
   */
  public int recognise(int cmd, byte[] body) {
    for (int h = 0; h < hops.size(); h++) {
      System.arraycopy(body, 0, tag, 0, TAG_BYTES);
      if (hops.get(h).inbound().decryptInbound(cmd, body)) {
        return h;
      }
    }
    return -1;
  }

  /**
   * Return the authenticator of the last cell {@link #originate}d or {@link #recognise}d: its first
   * {@link #TAG_BYTES} bytes as they leave the addressed hop's layer (CGO's tag T' of that cell),
   * which both ends of the layer hold and nobody can predict without the cell. A SENDME carries it
   * to prove the cell it acknowledges arrived.
   */
  public byte[] lastTag() {
    return tag.clone();
  }
}
