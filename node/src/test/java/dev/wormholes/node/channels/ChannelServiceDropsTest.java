package dev.wormholes.node.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.wormholes.people.channels.wire.ChannelMessage;
import dev.wormholes.people.channels.wire.Sync;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What channel gossip refuses is counted where {@code GET /v1/drops} reads it ({@link ChannelService#refused()}). */
class ChannelServiceDropsTest {
  @Test
  void refusedGossipIsCountedByReason() {
    Random random = new Random(5);
    try (ChannelService s = ChannelService.open(Identity.generate(random), null, null)) {
      NodeId stranger = Identity.generate(random).id();
      assertEquals(Map.of(), s.refused());
      assertTrue(s.request(stranger, new byte[] {1, 2, 3}).join().isEmpty());
      byte[] elsewhere = ChannelMessage.newBuilder().setSync(Sync.newBuilder()
          .setChannel(ByteString.copyFrom(new byte[32])).setRosterChanges(1)).build().toByteArray();
      assertTrue(s.request(stranger, elsewhere).join().isEmpty());
      assertTrue(s.request(stranger, elsewhere).join().isEmpty());
      assertEquals(Map.of("malformed", 1L, "unknown_channel", 2L), s.refused());
    }
  }
}
