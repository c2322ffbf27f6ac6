package dev.wormholes.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Public endpoint learning from peers' observations. */
class AddressObserverTest {
  static final InetSocketAddress ME = at(198, 51, 100, 7, 4000);

  static InetSocketAddress at(int a, int b, int c, int d, int port) {
    return new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}), port);
  }

  static NodeId id(int i) {
    return NodeId.ofWords(i, 0, 0, i);
  }

  @Test
  void confidenceGrowsWithDistinctNetworksNotWithSybils() {
    AddressObserver o = new AddressObserver();
    for (int i = 0; i < 10; i++) { // ten reporters, all in 203.0.0.0/16: one network
      o.handleObservation(id(i), at(203, 0, i, 1, 4000), ME, 0);
    }
    assertEquals(AddressObserver.Confidence.LOW, o.best(0).orElseThrow().confidence());
    assertTrue(o.believed().isEmpty());
    o.handleObservation(id(100), at(192, 0, 2, 1, 4000), ME, 1);
    assertEquals(AddressObserver.Confidence.MEDIUM, o.best(1).orElseThrow().confidence());
    o.handleObservation(id(101), at(100, 10, 2, 1, 4000), ME, 2);
    assertEquals(AddressObserver.Confidence.HIGH, o.best(2).orElseThrow().confidence());
    assertEquals(Optional.of(ME), o.believed());
    assertEquals(new AddressObserver.MappingChanged(Optional.empty(), ME, 1), o.pollEvent().orElseThrow());
    assertTrue(o.pollEvent().isEmpty());
  }

  @Test
  void aNewMappingIsNoticedOnceTheNetworksAgree() {
    AddressObserver o = new AddressObserver();
    o.handleObservation(id(1), at(1, 1, 1, 1, 1), ME, 0);
    o.handleObservation(id(2), at(2, 2, 2, 2, 1), ME, 0);
    o.pollEvent();
    InetSocketAddress moved = at(198, 51, 100, 7, 5555); // the NAT rebooted and remapped us
    o.handleObservation(id(1), at(1, 1, 1, 1, 1), moved, 1000);
    assertEquals(Optional.of(ME), o.believed(), "one reporter is not enough to move");
    o.handleObservation(id(2), at(2, 2, 2, 2, 1), moved, 1001);
    assertEquals(new AddressObserver.MappingChanged(Optional.of(ME), moved, 1001), o.pollEvent().orElseThrow());
  }

  @Test
  void oldReportsStopCounting() {
    AddressObserver o = new AddressObserver(64, 1000);
    o.handleObservation(id(1), at(1, 1, 1, 1, 1), ME, 0);
    assertTrue(o.best(1000).isPresent());
    assertTrue(o.best(1001).isEmpty());
  }

  @Test
  void malformedObservationsAreDroppedAndCounted() {
    AddressObserver o = new AddressObserver();
    o.handleObservation(id(1), at(1, 1, 1, 1, 1), at(198, 51, 100, 7, 0), 0);
    o.handleObservation(id(1), at(1, 1, 1, 1, 1), InetSocketAddress.createUnresolved("x", 1), 0);
    assertEquals(2, o.droppedCount());
    assertEquals(0, o.reporterCount());
  }

  @Test
  void memoryStaysBoundedWhateverTheReporters() {
    qt().forAll(lists().of(integers().between(0, 5000)).ofSizeBetween(0, 400)).checkAssert(ids -> {
      AddressObserver o = new AddressObserver(32, 60_000);
      long t = 0;
      for (int i : ids) {
        o.handleObservation(id(i), at(10, i % 250, 0, 1, 1), at(198, 51, 100, 7, 1024 + i % 7), t++);
      }
      assertTrue(o.reporterCount() <= 32);
      assertTrue(o.endpoints(t).size() <= 32);
    });
  }
}
