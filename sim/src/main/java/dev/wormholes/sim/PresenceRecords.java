package dev.wormholes.sim;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.DhtValues;
import dev.wormholes.proto.Endpoints;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import dev.wormholes.proto.wire.StoredValue;
import java.net.InetSocketAddress;

/** The presence records simulated nodes publish: one observed endpoint, valid for an hour, and
 * for a key-log device ({@link KeyLogWorkload}) its persona's log head. */
final class PresenceRecords {
  /** How long a record stays valid. */
  static final long LIFETIME_MS = 60 * 60_000L;
  /** How often a node re-signs its record with the next seq (well before expiry). */
  static final long REFRESH_MS = 30 * 60_000L;

  private PresenceRecords() {}

  /** Return the record of {@code owner} with {@code seq}, signed at Unix time {@code wallMillis}. */
  static StoredValue of(Identity owner, long seq, long wallMillis, InetSocketAddress address) {
    return of(owner, seq, wallMillis, address, null);
  }

  /** Return the record of {@code owner} as {@link #of}, naming {@code head} as its persona's key-log head if not null. */
  static StoredValue of(Identity owner, long seq, long wallMillis, InetSocketAddress address, PersonaHead head) {
    Presence.Builder p = Presence.newBuilder()
        .setSeq(seq)
        .setExpiresAtMs(wallMillis + LIFETIME_MS)
        .addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_OBSERVED)
            .setEndpoint(Endpoints.toWire(address)))
        .setPublicKey(ByteString.copyFrom(owner.publicKey()));
    if (head != null) p.setPersona(head);
    return DhtValues.presence(owner, p.build());
  }
}
