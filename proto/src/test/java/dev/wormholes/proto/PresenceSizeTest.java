package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.wire.Contact;
import dev.wormholes.proto.wire.EndpointKind;
import dev.wormholes.proto.wire.NatBehaviour;
import dev.wormholes.proto.wire.NatReport;
import dev.wormholes.proto.wire.PersonaHead;
import dev.wormholes.proto.wire.PortMappingProtocol;
import dev.wormholes.proto.wire.Presence;
import dev.wormholes.proto.wire.ReachEndpoint;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/**
 * A presence record as large as a node makes one with four LAN addresses, all IPv6 and full-length
 * numbers (four LAN, the four observed endpoints PresencePolicy keeps at most, a mapped one, eight
 * introducers, a NAT report, a persona head and three mailbox friends) still fits {@link
 * Limits#MAX_PRESENCE}.
 */
class PresenceSizeTest {
  @Test
  void aLargeRecordWithThreeMailboxesFits() {
    byte[] ip6 = new byte[16];
    java.util.Arrays.fill(ip6, (byte) 0xfe);
    dev.wormholes.proto.wire.Endpoint ep = dev.wormholes.proto.wire.Endpoint.newBuilder()
        .setIp(ByteString.copyFrom(ip6)).setPort(65535).build();
    ByteString id = ByteString.copyFrom(new byte[32]);
    Presence.Builder p = Presence.newBuilder()
        .setSeq(Long.MAX_VALUE).setExpiresAtMs(Long.MAX_VALUE).setNetworkId(Long.MAX_VALUE)
        .setNat(NatReport.newBuilder().setMapping(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT)
            .setFiltering(NatBehaviour.NAT_ADDRESS_AND_PORT_DEPENDENT).setPortPreserving(true).setHairpinning(true)
            .setMappingLifetimeS(Integer.MAX_VALUE).setPortMapping(PortMappingProtocol.PORT_MAPPING_UPNP))
        .setPersona(PersonaHead.newBuilder().setPersona(id).setSeq(Long.MAX_VALUE).setDigest(id));
    for (int i = 0; i < 9; i++) {
      p.addEndpoints(ReachEndpoint.newBuilder().setKind(EndpointKind.ENDPOINT_OBSERVED).setEndpoint(ep));
    }
    for (int i = 0; i < Limits.MAX_INTRODUCERS; i++) {
      p.addIntroducers(Contact.newBuilder().setId(id).setEndpoint(ep));
    }
    for (int i = 0; i < 3; i++) {
      p.addMailboxes(id);
    }
    Identity owner = Identity.generate(new SecureRandom());
    int size = p.setPublicKey(ByteString.copyFrom(owner.publicKey())).build().getSerializedSize();
    assertTrue(size <= Limits.MAX_PRESENCE, size + " bytes");
    DhtValues.presence(owner, p.build()); // does not throw
    System.out.println("presence record, 9 IPv6 endpoints, 8 introducers, 3 mailboxes: " + size + " bytes");
  }
}
