package dev.wormholes.node.stream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * QUIC address validation with Retry (RFC 9000 section 8.1.2) that keeps no per-client state, and
 * asks for it only under pressure: while at most {@code freePerSecond} handshakes without a token
 * arrived in the current second, new connections are accepted at once (QUIC's limit of sending
 * three times what an unvalidated address sent still applies); beyond that, each new client gets
 * a Retry and must echo the token, so that a flood of Initials from spoofed addresses costs no TLS
 * work and no connection state. {@code freePerSecond = 0} asks every client.
 *
 * <p>Token: issued-at milliseconds (8 bytes) ‖ HMAC-SHA256(key, issued-at ‖ address ‖ port ‖
 * original destination connection id), first 16 bytes ‖ that connection id. Valid for
 * {@link #LIFETIME_MS} from the address it was issued to. The key is random and replaced every
 * {@link #ROTATION_MS}; tokens under the previous key stay valid. Called on the socket's event
 * loop; synchronized all the same.
 */
final class RetryTokens implements QuicTokenHandler {
  /** How long a token is accepted after it was issued. */
  static final long LIFETIME_MS = 10_000;
  /** How long one key signs new tokens. */
  static final long ROTATION_MS = 60_000;
  private static final int MAC_BYTES = 16;
  private static final int HEADER = 8 + MAC_BYTES;
  /** Largest QUIC connection id (RFC 9000 section 17.2). */
  private static final int MAX_CID = 20;

  private final Clock clock;
  private final SecureRandom random;
  private final int freePerSecond;
  private final Mac mac;
  // Guarded by this.
  private byte[] current;
  private byte[] previous;
  private long rotatedAt;
  private long second = Long.MIN_VALUE;
  private int tokenlessThisSecond;
  private long retries;

  RetryTokens(Clock clock, SecureRandom random, int freePerSecond) {
    this.clock = clock;
    this.random = random;
    this.freePerSecond = freePerSecond;
    try {
      this.mac = Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no HmacSHA256 in this JDK", e);
    }
    this.current = newKey();
    this.previous = current;
    this.rotatedAt = clock.millis();
  }

  /** Ask for a Retry (write a token and return true) once this second's free handshakes are used. */
  @Override
  public synchronized boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
    long now = clock.millis();
    if (now / 1000 != second) {
      second = now / 1000;
      tokenlessThisSecond = 0;
    }
    if (++tokenlessThisSecond <= freePerSecond || dcid.readableBytes() > MAX_CID) {
      return false;
    }
    rotate(now);
    retries++;
    out.writeLong(now)
        .writeBytes(tag(current, now, address, dcid), 0, MAC_BYTES)
        .writeBytes(dcid, dcid.readerIndex(), dcid.readableBytes());
    return true;
  }

  /** Return the offset of the original connection id in a valid token, or -1. */
  @Override
  public synchronized int validateToken(ByteBuf token, InetSocketAddress address) {
    int n = token.readableBytes();
    if (n < HEADER || n > HEADER + MAX_CID) {
      return -1;
    }
    int r = token.readerIndex();
    long issued = token.getLong(r);
    long now = clock.millis();
    if (issued > now || now - issued > LIFETIME_MS) {
      return -1;
    }
    rotate(now);
    byte[] given = new byte[MAC_BYTES];
    token.getBytes(r + 8, given);
    ByteBuf dcid = token.slice(r + HEADER, n - HEADER);
    for (byte[] key : new byte[][] {current, previous}) {
      byte[] want = tag(key, issued, address, dcid);
      if (MessageDigest.isEqual(given, java.util.Arrays.copyOf(want, MAC_BYTES))) {
        return HEADER;
      }
    }
    return -1;
  }

  @Override
  public int maxTokenLength() {
    return HEADER + MAX_CID;
  }

  /** Return how many Retry packets were asked for. */
  synchronized long retries() {
    return retries;
  }

  private void rotate(long now) {
    if (now - rotatedAt >= ROTATION_MS) {
      // Skipped rotations leave no valid previous key: both are fresh or the last one.
      previous = now - rotatedAt >= 2 * ROTATION_MS ? newKey() : current;
      current = newKey();
      rotatedAt = now;
    }
  }

  private byte[] tag(byte[] key, long issued, InetSocketAddress address, ByteBuf dcid) {
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    byte[] head = new byte[8];
    for (int i = 0; i < 8; i++) {
      head[i] = (byte) (issued >>> (56 - 8 * i));
    }
    mac.update(head);
    mac.update(address.getAddress().getAddress());
    mac.update(new byte[] {(byte) (address.getPort() >>> 8), (byte) address.getPort()});
    mac.update(dcid.nioBuffer(dcid.readerIndex(), dcid.readableBytes()));
    return mac.doFinal();
  }

  private byte[] newKey() {
    byte[] k = new byte[32];
    random.nextBytes(k);
    return k;
  }
}
