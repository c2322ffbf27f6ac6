package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReceiversTest {
  private static InetSocketAddress at(int i) {
    return new InetSocketAddress("127.0.0.1", 1024 + i);
  }

  @Test
  void theLastNodeLearnedAtAnAddressWinsAndTheTableIsBounded() {
    Receivers r = new Receivers();
    r.learn(at(0), NodeId.ofWords(0, 0, 0, 1));
    r.learn(at(0), NodeId.ofWords(0, 0, 0, 2)); // the member moved, another took its port
    assertEquals(Optional.of(NodeId.ofWords(0, 0, 0, 2)), r.at(at(0)));
    for (int i = 1; i <= Receivers.MAX + 10; i++) {
      r.learn(at(i), NodeId.ofWords(0, 0, 0, i));
    }
    assertEquals(Receivers.MAX, r.size());
    assertEquals(Optional.empty(), r.at(at(0)), "the least recently used address goes first");
    assertEquals(Optional.of(NodeId.ofWords(0, 0, 0, Receivers.MAX + 10)), r.at(at(Receivers.MAX + 10)));
  }
}
