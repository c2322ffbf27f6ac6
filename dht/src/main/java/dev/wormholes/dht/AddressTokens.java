package dev.wormholes.dht;

import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Store tokens: HMAC-SHA256 of a requester's ip and port under a secret that rotates every {@link
 * DhtConfig#TOKEN_ROTATE_MS}, truncated to {@link #TOKEN_BYTES}. A token proves its holder receives
 * datagrams at that address, so nobody can store (or earn large answers) on behalf of a spoofed one.
 * The previous secret is still accepted, so a token lives 5 to 10 minutes.
 */
final class AddressTokens {
  /** Bytes in a token. */
  static final int TOKEN_BYTES = 16;
  private static final int SECRET_BYTES = 32;

  private byte[] current = new byte[SECRET_BYTES];
  private byte[] previous = new byte[SECRET_BYTES];

  AddressTokens(RandomGenerator random) {
    random.nextBytes(current);
    random.nextBytes(previous);
  }

  /** Make a new current secret; the current one becomes the previous. */
  void rotate(RandomGenerator random) {
    byte[] old = previous;
    previous = current;
    random.nextBytes(old);
    current = old;
  }

  /** Return the token of {@code address} under the current secret. */
  ByteString issue(InetSocketAddress address) {
    return ByteString.copyFrom(mac(current, address));
  }

  /** Return whether {@code token} is {@code address}'s token under the current or previous secret. */
  boolean valid(InetSocketAddress address, ByteString token) {
    if (token.size() != TOKEN_BYTES) return false;
    byte[] t = token.toByteArray();
    return MessageDigest.isEqual(t, mac(current, address)) || MessageDigest.isEqual(t, mac(previous, address));
  }

  private static byte[] mac(byte[] secret, InetSocketAddress address) {
    HMac h = new HMac(new SHA256Digest());
    h.init(new KeyParameter(secret));
    byte[] ip = address.getAddress().getAddress();
    h.update(ip, 0, ip.length);
    h.update((byte) (address.getPort() >>> 8));
    h.update((byte) address.getPort());
    byte[] out = new byte[h.getMacSize()];
    h.doFinal(out, 0);
    return java.util.Arrays.copyOf(out, TOKEN_BYTES);
  }
}
