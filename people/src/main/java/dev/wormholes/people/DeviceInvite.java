package dev.wormholes.people;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import java.util.Arrays;
import java.util.Optional;

/**
 * A one-time link that pairs another machine as a device of the inviter's persona: an {@link
 * Invite} (same secret, handshake and single use) that also carries the persona's current signing
 * key, over which the new device signs its consent. Its text form is {@code wormhole://device/...}.
 *
 * @param invite the invite part
 * @param signingKey the persona's current signing key (32 bytes)
 */
public record DeviceInvite(Invite invite, byte[] signingKey) {
  /** The link prefix. */
  public static final String PREFIX = "wormhole://device/";

  /** Copy the key. */
  public DeviceInvite {
    signingKey = signingKey.clone();
  }

  @Override
  public byte[] signingKey() {
    return signingKey.clone();
  }

  /** Return the link. */
  public String link() {
    return Invite.text(PREFIX, invite.wire().setSigningKey(ByteString.copyFrom(signingKey)).build());
  }

  /** Return the device invite of {@code link}, or empty if it is not one (user input: never throws). */
  public static Optional<DeviceInvite> parse(String link) {
    return Invite.parseWire(link, PREFIX)
        .filter(l -> l.getSigningKey().size() == Identity.PUBLIC_KEY_BYTES)
        .map(l -> new DeviceInvite(Invite.of(l), l.getSigningKey().toByteArray()));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceInvite d && invite.equals(d.invite) && Arrays.equals(signingKey, d.signingKey);
  }

  @Override
  public int hashCode() {
    return invite.hashCode();
  }
}
