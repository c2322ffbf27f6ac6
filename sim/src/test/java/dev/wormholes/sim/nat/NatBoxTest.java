package dev.wormholes.sim.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Each NAT type maps, filters and expires as RFC 4787 (and the kernel lab) says: endpoint-
 * independent types reuse one preserved port, symmetric takes a fresh random port per remote;
 * filtering passes anyone (full cone), the contacted address (address-restricted) or the contacted
 * address and port (port-restricted, symmetric); mappings die {@code timeout} after the last
 * outbound packet; the table is bounded; a static port mapping accepts anyone.
 */
class NatBoxTest {
  private static final int R1 = ip(203, 0, 113, 1);
  private static final int R2 = ip(198, 51, 100, 2);
  private static final long TIMEOUT = 30_000;
  private final SplittableRandom random = new SplittableRandom(42);

  static int ip(int a, int b, int c, int d) {
    return a << 24 | b << 16 | c << 8 | d;
  }

  private static NatBox box(NatType t) {
    return new NatBox(t, TIMEOUT, 4096, -1, 0);
  }

  @Test
  void endpointIndependentTypesReuseOnePreservedPort() {
    for (NatType t : new NatType[] {NatType.FULL, NatType.ADDRESS, NatType.PORT}) {
      NatBox b = box(t);
      int p1 = b.outbound(4000, R1, 3478, 0, random);
      int p2 = b.outbound(4000, R2, 9999, 10, random);
      int p3 = b.outbound(4000, R1, 5555, 20, random);
      assertEquals(4000, p1, t + " preserves the port");
      assertEquals(p1, p2, t + ": same mapping for another remote");
      assertEquals(p1, p3, t.label);
      assertEquals(1, b.mappings(), t.label);
      assertEquals(40001, b.outbound(40001, R1, 3478, 30, random), t + ": a second socket keeps its own port");
    }
  }

  @Test
  void symmetricTakesAFreshRandomPortPerRemoteEndpoint() {
    NatBox b = box(NatType.SYMMETRIC);
    Set<Integer> ports = new HashSet<>();
    ports.add(b.outbound(4000, R1, 3478, 0, random));
    ports.add(b.outbound(4000, R1, 3479, 0, random));
    ports.add(b.outbound(4000, R2, 3478, 0, random));
    assertEquals(3, ports.size(), "one mapping per remote address and port");
    assertEquals(b.outbound(4000, R1, 3478, 5, random), b.outbound(4000, R1, 3478, 6, random), "reused for the same remote");
    assertEquals(3, b.mappings());
    assertTrue(ports.stream().allMatch(p -> p >= 1024 && p <= 65535));
  }

  @Test
  void fullConeLetsAnyoneInToAMappedPortOnly() {
    NatBox b = box(NatType.FULL);
    int p = b.outbound(4000, R1, 3478, 0, random);
    assertEquals(4000, b.inbound(R2, 1234, p, 1));
    assertEquals(4000, b.inbound(R1, 1, p, 1));
    assertEquals(NatBox.DROP, b.inbound(R1, 3478, p + 1, 1), "no mapping, no entry");
  }

  @Test
  void addressRestrictedLetsInTheContactedAddressFromAnyPort() {
    NatBox b = box(NatType.ADDRESS);
    int p = b.outbound(4000, R1, 3478, 0, random);
    assertEquals(4000, b.inbound(R1, 3478, p, 1));
    assertEquals(4000, b.inbound(R1, 60000, p, 1), "another port of the same address");
    assertEquals(NatBox.DROP, b.inbound(R2, 3478, p, 1), "an address never contacted");
  }

  @Test
  void portRestrictedLetsInOnlyTheContactedAddressAndPort() {
    NatBox b = box(NatType.PORT);
    int p = b.outbound(4000, R1, 3478, 0, random);
    assertEquals(4000, b.inbound(R1, 3478, p, 1));
    assertEquals(NatBox.DROP, b.inbound(R1, 3479, p, 1));
    assertEquals(NatBox.DROP, b.inbound(R2, 3478, p, 1));
    b.outbound(4000, R2, 7000, 2, random); // punching: our probe opens the way for the peer's
    assertEquals(4000, b.inbound(R2, 7000, p, 3));
    assertEquals(2, b.filtered());
  }

  @Test
  void symmetricFiltersEachMappingToItsOwnRemote() {
    NatBox b = box(NatType.SYMMETRIC);
    int p1 = b.outbound(4000, R1, 3478, 0, random);
    int p2 = b.outbound(4000, R2, 7000, 0, random);
    assertEquals(4000, b.inbound(R1, 3478, p1, 1));
    assertEquals(NatBox.DROP, b.inbound(R2, 7000, p1, 1), "R2 must use the port mapped towards it");
    assertEquals(4000, b.inbound(R2, 7000, p2, 1));
  }

  @Test
  void mappingsExpireAfterTheLastOutboundPacketNotInbound() {
    NatBox b = box(NatType.PORT);
    int p = b.outbound(4000, R1, 3478, 0, random);
    assertEquals(4000, b.inbound(R1, 3478, p, TIMEOUT - 1), "inbound does not refresh");
    assertEquals(NatBox.DROP, b.inbound(R1, 3478, p, TIMEOUT), "expired");
    assertEquals(1, b.expired());
    assertEquals(0, b.mappings());
    int again = b.outbound(4000, R1, 3478, TIMEOUT + 10, random);
    assertEquals(1, b.mappings());
    b.outbound(4000, R1, 3478, TIMEOUT + 20_000, random); // outbound refresh
    assertEquals(4000, b.inbound(R1, 3478, again, TIMEOUT + 45_000), "refreshed by the outbound packet");
    assertEquals(NatBox.DROP, b.inbound(R1, 3478, again, TIMEOUT + 50_000));
  }

  @Test
  void theTableIsBoundedAndSweptOfExpiredEntries() {
    NatBox b = new NatBox(NatType.SYMMETRIC, TIMEOUT, 64, -1, 0);
    int ok = 0;
    for (int port = 1; port <= 100; port++) {
      if (b.outbound(4000, R1, port, 0, random) != NatBox.DROP) ok++;
    }
    assertEquals(32, ok, "a mapping and its permission per remote: 64 entries hold 32");
    assertEquals(68, b.tableFull());
    assertTrue(b.size() <= 64);
    assertNotEquals(NatBox.DROP, b.outbound(4000, R2, 1, TIMEOUT, random), "expired entries make room");
    assertEquals(2, b.size());
  }

  @Test
  void aStaticPortMappingAcceptsAnyoneEvenOnASymmetricBox() {
    NatBox b = new NatBox(NatType.SYMMETRIC, TIMEOUT, 4096, 4000, 4000);
    assertEquals(4000, b.inbound(R2, 5555, 4000, 0), "no outbound packet needed");
    int p = b.outbound(4000, R1, 3478, 0, random);
    assertNotEquals(4000, p, "outbound mappings are still random; the mapped port is reserved");
    assertEquals(NatBox.DROP, b.inbound(R2, 5555, p, 1));
    assertEquals(4000, b.outbound(4000, R2, 5555, 2, random), "a reply to a mapped-port flow leaves from the mapped port");
    assertNotEquals(4000, b.outbound(4000, R2, 5556, 2, random), "a new flow of the host does not");
  }

  @Test
  void aPublicNodeHasNoBox() {
    assertThrows(IllegalArgumentException.class, () -> box(NatType.PUBLIC));
  }
}
