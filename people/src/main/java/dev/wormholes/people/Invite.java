package dev.wormholes.people;

import com.google.common.io.BaseEncoding;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.people.wire.InviteLink;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * A one-time invite: a secret of at least 128 bits and what is needed to find the inviter (its
 * persona, the node that made it, endpoint hints), with its expiry. Its text form is the link
 * {@code wormhole://invite/<base32>}. The secret never goes on the wire again: the acceptor proves
 * knowledge of it with an HMAC, and the inviter answers with one.
 *
 * @param secret the secret (16 to 64 bytes)
 * @param persona the inviter's persona
 * @param node the inviter's node id
 * @param endpoints HOST:PORT hints where that node was reachable (at most {@link #MAX_ENDPOINTS})
 * @param expires Unix seconds after which the inviter refuses it
 */
public record Invite(byte[] secret, PersonaId persona, NodeId node, List<String> endpoints, long expires) {
  /** The link prefix. */
  public static final String PREFIX = "wormhole://invite/";
  /** Fewest secret bytes. */
  public static final int MIN_SECRET = 16;
  /** Most secret bytes. */
  public static final int MAX_SECRET = 64;
  /** Most endpoint hints in a link. */
  public static final int MAX_ENDPOINTS = 4;
  /** Bytes of the tag that names an invite in the handshake. */
  public static final int TAG_BYTES = 16;
  /** Most characters of a link. */
  public static final int MAX_LINK_CHARS = 1024;

  private static final BaseEncoding BASE32 = BaseEncoding.base32().lowerCase().omitPadding();
  private static final byte[] TAG_DOMAIN = "wormholes-invite-tag-v1".getBytes(StandardCharsets.US_ASCII);

  /** Copy the secret and the hints. */
  public Invite {
    secret = secret.clone();
    endpoints = List.copyOf(endpoints);
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  /** Return the link. */
  public String link() {
    return PREFIX + BASE32.encode(wire().build().toByteArray());
  }

  /** Return the link's fields. */
  InviteLink.Builder wire() {
    InviteLink.Builder b = InviteLink.newBuilder()
        .setSecret(ByteString.copyFrom(secret))
        .setPersona(ByteString.copyFrom(persona.toBytes()))
        .setNode(ByteString.copyFrom(node.toBytes()))
        .setExpires(expires);
    endpoints.forEach(b::addEndpoints);
    return b;
  }

  /** Return the invite of {@code link}, or empty if it is not one (user input: never throws). */
  public static Optional<Invite> parse(String link) {
    return parseWire(link, PREFIX).map(Invite::of);
  }

  /** Return the fields of a link starting with {@code prefix}, or empty if it is not one. */
  static Optional<InviteLink> parseWire(String link, String prefix) {
    String t = link.trim();
    if (t.length() > MAX_LINK_CHARS || !t.toLowerCase(Locale.ROOT).startsWith(prefix)) {
      return Optional.empty();
    }
    String body = t.substring(prefix.length()).toLowerCase(Locale.ROOT);
    if (!BASE32.canDecode(body)) {
      return Optional.empty();
    }
    InviteLink l;
    try {
      l = InviteLink.parseFrom(BASE32.decode(body));
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    int s = l.getSecret().size();
    if (s < MIN_SECRET || s > MAX_SECRET || l.getPersona().size() != NodeId.BYTES
        || l.getNode().size() != NodeId.BYTES || l.getEndpointsCount() > MAX_ENDPOINTS) {
      return Optional.empty();
    }
    return Optional.of(l);
  }

  static Invite of(InviteLink l) {
    return new Invite(l.getSecret().toByteArray(), PersonaId.of(l.getPersona().toByteArray()),
        NodeId.of(l.getNode().toByteArray()), l.getEndpointsList(), l.getExpires());
  }

  /** Return {@code link}'s text form with {@code prefix}. */
  static String text(String prefix, InviteLink link) {
    return prefix + BASE32.encode(link.toByteArray());
  }

  /** Return the tag that names the invite of {@code secret} in the handshake. */
  public static byte[] tag(byte[] secret) {
    return Arrays.copyOf(Identity.sha256(TAG_DOMAIN, secret), TAG_BYTES);
  }

  /** Return HMAC-SHA256 with {@code secret} of the concatenated {@code parts}. */
  static byte[] mac(byte[] secret, byte[]... parts) {
    HMac h = new HMac(new SHA256Digest());
    h.init(new KeyParameter(secret));
    for (byte[] p : parts) {
      h.update(p, 0, p.length);
    }
    byte[] out = new byte[h.getMacSize()];
    h.doFinal(out, 0);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Invite i && Arrays.equals(secret, i.secret) && persona.equals(i.persona)
        && node.equals(i.node) && endpoints.equals(i.endpoints) && expires == i.expires;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(secret);
  }

  @Override
  public String toString() {
    return "Invite(" + persona + " via " + node + ", expires " + expires + ")";
  }
}
