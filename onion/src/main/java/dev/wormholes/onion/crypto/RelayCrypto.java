package dev.wormholes.onion.crypto;

/**
 * The relay-cell crypto contract, in the shape of Tor's {@code relay_crypto.h}: each hop of a
 * circuit shares one layer with the client, split by direction, and every operation transforms a
 * fixed-size cell body of {@link #BODY_BYTES} bytes in place. "Recognised" means the cell was
 * addressed to this layer; the caller decides what that means (deliver it, or forward it on).
 *
 * <p>Outbound (away from the client): the client {@link OutboundClientLayer#originate originates}
 * with the target hop's layer, then wraps with every earlier hop's layer ({@link
 * OutboundClientLayer#encryptOutbound}, nearest last); each relay runs {@link
 * OutboundRelayLayer#decryptOutbound} and forwards if it is not recognised. Inbound: the
 * originating relay calls {@link InboundRelayLayer#originate}, each relay nearer the client
 * {@link InboundRelayLayer#encryptInbound}, and the client peels layers nearest first with {@link
 * InboundClientLayer#decryptInbound} until one recognises the cell.
 *
 * <p>{@code cmd} is the channel-cell command (RELAY or RELAY_EARLY), bound into the crypto as
 * associated data. An unrecognised cell at the last hop, or at the client after every layer, means
 * the circuit has been tampered with: close it.
 */
public final class RelayCrypto {
  /** Bytes in a relay cell body (a channel cell's payload). */
  public static final int BODY_BYTES = 509;

  private RelayCrypto() {}

  /** The client's outbound half of one hop's layer. */
  public interface OutboundClientLayer {
    /** Make {@code body} a cell addressed to this layer's hop (the first 16 bytes are overwritten). */
    void originate(int cmd, byte[] body);

    /** Wrap a cell addressed to a later hop with this layer. */
    void encryptOutbound(int cmd, byte[] body);
  }

  /** The client's inbound half of one hop's layer. */
  public interface InboundClientLayer {
    /** Remove this layer; return whether the cell was originated by this layer's hop. */
    boolean decryptInbound(int cmd, byte[] body);
  }

  /** A relay's outbound half of its layer. */
  public interface OutboundRelayLayer {
    /** Remove this layer; return whether the cell is addressed to this hop. */
    boolean decryptOutbound(int cmd, byte[] body);
  }

  /** A relay's inbound half of its layer. */
  public interface InboundRelayLayer {
    /** Make {@code body} a cell from this hop to the client (the first 16 bytes are overwritten). */
    void originate(int cmd, byte[] body);

    /** Add this layer to a cell coming from a later hop. */
    void encryptInbound(int cmd, byte[] body);
  }

  /**
   * The client's layer of one hop.
   *
   * @param outbound the outbound half
   * @param inbound the inbound half
   */
  public record ClientLayer(OutboundClientLayer outbound, InboundClientLayer inbound) {}

  /**
   * A relay's layer.
   *
   * @param outbound the outbound half
   * @param inbound the inbound half
   */
  public record RelayLayer(OutboundRelayLayer outbound, InboundRelayLayer inbound) {}

  /** A relay-crypto scheme: both ends of a layer from the same handshake key material. */
  public interface Scheme {
    /** Return how many bytes of handshake key stream one layer takes. */
    int seedBytes();

    /** Return the client's layer from {@code seed} ({@link #seedBytes} bytes). */
    ClientLayer client(byte[] seed);

    /** Return the relay's layer from {@code seed} ({@link #seedBytes} bytes). */
    RelayLayer relay(byte[] seed);
  }
}
