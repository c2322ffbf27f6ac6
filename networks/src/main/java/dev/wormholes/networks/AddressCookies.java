package dev.wormholes.networks;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stateless cookies that prove a requester receives at its source address: a cookie is the first
 * {@link #BYTES} bytes of HMAC-SHA256, under a secret of this node's run, of a domain, the address,
 * the requester's key and the period ({@link #PERIOD_MS}) it was made in; it is taken in that
 * period and the next. Only a node that receives at the address learns the cookie, so a request
 * echoing it came from there; nothing is kept per source. Used by {@link CatchUp} and {@link
 * NetworkInvites} (different domains): an unproven address gets the cookie only, never an answer
 * larger than its request. Time is handed in (ms).
 */
public final class AddressCookies {
  /** Bytes of a cookie. */
  public static final int BYTES = 16;
  /** A cookie made in one period of this length is taken in it and the next. */
  public static final long PERIOD_MS = 60_000;

  private final Mac mac;
  private final byte[] domain;

  /** Make cookies under {@code secret} (at least 32 random bytes) for requests of {@code domain}. */
  public AddressCookies(byte[] secret, byte[] domain) {
    if (secret.length < 32) {
      throw new IllegalArgumentException("a cookie secret is at least 32 bytes");
    }
    this.domain = domain.clone();
    try {
      mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Return the cookie for a request by {@code key} from {@code from} (resolved) at {@code now}. */
  public byte[] make(InetSocketAddress from, byte[] key, long now) {
    return cookie(from, key, Math.floorDiv(now, PERIOD_MS));
  }

  /** Return whether {@code cookie} is the one made for {@code key} at {@code from} in this period or the last. */
  public boolean valid(byte[] cookie, InetSocketAddress from, byte[] key, long now) {
    long period = Math.floorDiv(now, PERIOD_MS);
    return MessageDigest.isEqual(cookie, cookie(from, key, period))
        || MessageDigest.isEqual(cookie, cookie(from, key, period - 1));
  }

  private byte[] cookie(InetSocketAddress from, byte[] key, long period) {
    mac.update(domain);
    mac.update(from.getAddress().getAddress());
    mac.update(ByteBuffer.allocate(2 + 8).putShort((short) from.getPort()).putLong(period).array());
    mac.update(key);
    return Arrays.copyOf(mac.doFinal(), BYTES);
  }
}
