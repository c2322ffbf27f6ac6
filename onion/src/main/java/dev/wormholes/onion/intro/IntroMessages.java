package dev.wormholes.onion.intro;

import static dev.wormholes.onion.handshake.NtorV3.concat;

import dev.wormholes.onion.handshake.NtorV3;
import dev.wormholes.proto.Identity;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The relay messages of introductions and rendezvous (commands numbered as tor's rend-spec) and
 * their bodies. Decoders return null for anything that is not one; they never throw.
 *
 * <ul>
 *   <li>ESTABLISH_INTRO (32): {@code AUTH_KEY (32) | SIG (64)}, SIG the auth key's Ed25519
 *       signature of {@code INTRO_POINT_ID (32) | AUTH_KEY} under {@link #ESTABLISH_DOMAIN} (bound
 *       to the intro point, so it cannot be replayed at another).
 *   <li>INTRO_ESTABLISHED (38), RENDEZVOUS_ESTABLISHED (39): empty.
 *   <li>INTRODUCE1 (34, client to intro point) and INTRODUCE2 (35, intro point to service): {@code
 *       AUTH_KEY (32) | ONIONSKIN}, an ntor-v3 onionskin to the service's per-intro encryption key
 *       with the auth key as its ID, whose encrypted client message is {@link #rendezvousInfo}.
 *   <li>INTRODUCE_ACK (40): {@code STATUS (1)}, one of the {@code ACK_} codes.
 *   <li>ESTABLISH_RENDEZVOUS (33): {@code COOKIE (20)}.
 *   <li>RENDEZVOUS1 (36, service to rendezvous point): {@code COOKIE (20) | REPLY}; RENDEZVOUS2 (37,
 *       rendezvous point to client): {@code REPLY}, the service's ntor-v3 reply.
 * </ul>
 */
public final class IntroMessages {
  /** Relay command: a service asks the last hop to be its introduction point. */
  public static final int ESTABLISH_INTRO = 32;
  /** Relay command: a client asks the last hop to be its rendezvous point. */
  public static final int ESTABLISH_RENDEZVOUS = 33;
  /** Relay command: a client's introduction, to the introduction point. */
  public static final int INTRODUCE1 = 34;
  /** Relay command: the introduction passed on to the service. */
  public static final int INTRODUCE2 = 35;
  /** Relay command: the service's handshake answer, to the rendezvous point. */
  public static final int RENDEZVOUS1 = 36;
  /** Relay command: the service's handshake answer, to the client. */
  public static final int RENDEZVOUS2 = 37;
  /** Relay command: the introduction point took the auth key. */
  public static final int INTRO_ESTABLISHED = 38;
  /** Relay command: the rendezvous point took the cookie. */
  public static final int RENDEZVOUS_ESTABLISHED = 39;
  /** Relay command: the introduction point's answer to INTRODUCE1. */
  public static final int INTRODUCE_ACK = 40;

  /** INTRODUCE_ACK status: passed on to the service. */
  public static final int ACK_OK = 0;
  /** INTRODUCE_ACK status: no service with that auth key here. */
  public static final int ACK_UNKNOWN_SERVICE = 1;
  /** INTRODUCE_ACK status: malformed, or a second INTRODUCE1 on one circuit. */
  public static final int ACK_BAD = 2;
  /** INTRODUCE_ACK status: over the introduction point's rate limits. */
  public static final int ACK_RATE_LIMITED = 3;

  /** Bytes of a rendezvous cookie. */
  public static final int COOKIE_BYTES = 20;
  /** Bytes of an auth key (Ed25519). */
  public static final int AUTH_KEY_BYTES = Identity.PUBLIC_KEY_BYTES;
  /** The domain of the ESTABLISH_INTRO signature. */
  public static final byte[] ESTABLISH_DOMAIN = "wormholes:intro:establish:v1".getBytes(StandardCharsets.US_ASCII);
  /** The ntor-v3 verification string of the end-to-end handshake. */
  public static final byte[] VERIFICATION = "wormholes onion rendezvous v1".getBytes(StandardCharsets.US_ASCII);
  private static final int INFO_BYTES = 2 * NtorV3.KEY_BYTES + COOKIE_BYTES;

  private IntroMessages() {}

  /** An auth key and the rest of a message. */
  public record Keyed(byte[] authKey, byte[] rest) {}

  /** A cookie and the rest of a message. */
  public record Cookied(byte[] cookie, byte[] rest) {}

  /**
   * What the client tells the service inside the onionskin: where to meet.
   *
   * @param identityKey the rendezvous point's Ed25519 identity key
   * @param onionKey its X25519 onion key
   * @param cookie the cookie the rendezvous point holds for the client's circuit
   */
  public record RendezvousInfo(byte[] identityKey, byte[] onionKey, byte[] cookie) {}

  /** Return ESTABLISH_INTRO's body: {@code auth}'s key and its signature for {@code introPoint}. */
  public static byte[] establishIntro(Identity auth, byte[] introPointId) {
    byte[] sig = auth.sign(ESTABLISH_DOMAIN, concat(introPointId, auth.publicKey()));
    return concat(auth.publicKey(), sig);
  }

  /** Return the auth key of a valid ESTABLISH_INTRO body for {@code introPointId}, or null. */
  public static byte[] checkEstablishIntro(byte[] body, byte[] introPointId) {
    if (body.length != AUTH_KEY_BYTES + Identity.SIGNATURE_BYTES) {
      return null;
    }
    byte[] key = Arrays.copyOf(body, AUTH_KEY_BYTES);
    byte[] sig = Arrays.copyOfRange(body, AUTH_KEY_BYTES, body.length);
    return Identity.verify(key, ESTABLISH_DOMAIN, concat(introPointId, key), sig) ? key : null;
  }

  /** Return an auth key followed by {@code rest} (INTRODUCE1/2). */
  public static byte[] keyed(byte[] authKey, byte[] rest) {
    return concat(authKey, rest);
  }

  /** Split an INTRODUCE1/2 body, or return null if it is too short to hold an onionskin. */
  public static Keyed keyed(byte[] body) {
    if (body.length < AUTH_KEY_BYTES + NtorV3.ONIONSKIN_OVERHEAD) {
      return null;
    }
    return new Keyed(Arrays.copyOf(body, AUTH_KEY_BYTES), Arrays.copyOfRange(body, AUTH_KEY_BYTES, body.length));
  }

  /** Return a cookie followed by {@code rest} (ESTABLISH_RENDEZVOUS with nothing, RENDEZVOUS1). */
  public static byte[] cookied(byte[] cookie, byte[] rest) {
    return concat(cookie, rest);
  }

  /** Split a cookie off a body at least {@code minRest} bytes longer than it, or return null. */
  public static Cookied cookied(byte[] body, int minRest) {
    if (body.length < COOKIE_BYTES + minRest) {
      return null;
    }
    return new Cookied(Arrays.copyOf(body, COOKIE_BYTES), Arrays.copyOfRange(body, COOKIE_BYTES, body.length));
  }

  /** Return the client message naming the rendezvous point. */
  public static byte[] rendezvousInfo(RendezvousInfo info) {
    return concat(info.identityKey(), info.onionKey(), info.cookie());
  }

  /** Parse a client message, or return null. */
  public static RendezvousInfo rendezvousInfo(byte[] message) {
    if (message.length != INFO_BYTES) {
      return null;
    }
    return new RendezvousInfo(Arrays.copyOf(message, 32), Arrays.copyOfRange(message, 32, 64),
        Arrays.copyOfRange(message, 64, INFO_BYTES));
  }
}
