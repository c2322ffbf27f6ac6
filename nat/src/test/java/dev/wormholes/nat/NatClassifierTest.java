package dev.wormholes.nat;

import static dev.wormholes.nat.AddressObserverTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** RFC 4787 classification from peer observations and dial-back tests. */
class NatClassifierTest {
  static final InetSocketAddress LOCAL = at(10, 1, 0, 2, 4000);
  static final InetSocketAddress R1 = at(203, 0, 113, 10, 3478);
  static final InetSocketAddress R1B = at(203, 0, 113, 10, 3479);
  static final InetSocketAddress R2 = at(203, 0, 113, 11, 3478);
  final SplittableRandom random = new SplittableRandom(3);

  @Test
  void samePortForEveryPeerIsEndpointIndependentAndPreserving() {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    assertEquals(NatBehaviour.UNKNOWN, c.mapping());
    c.handleMappingObservation(R1, at(198, 51, 100, 11, 4000));
    assertEquals(NatBehaviour.UNKNOWN, c.mapping(), "one peer cannot tell");
    c.handleMappingObservation(R2, at(198, 51, 100, 11, 4000));
    NatReport r = c.report();
    assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, r.mapping());
    assertTrue(r.portPreserving());
  }

  @Test
  void aPortPerDestinationIsSymmetric() {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    c.handleMappingObservation(R1, at(198, 51, 100, 11, 30001));
    c.handleMappingObservation(R2, at(198, 51, 100, 11, 30002));
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, c.mapping(), "AD or APD: the harder is assumed");
    c.handleMappingObservation(R1B, at(198, 51, 100, 11, 30001));
    assertEquals(NatBehaviour.ADDRESS_DEPENDENT, c.mapping(), "same IP, other port, same mapping");
    c.handleMappingObservation(R1B, at(198, 51, 100, 11, 30003));
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, c.mapping());
    assertFalse(c.report().portPreserving());
  }

  @Test
  void ourOwnAddressMeansNoNat() {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    c.handleMappingObservation(R1, LOCAL);
    c.handleMappingObservation(R2, LOCAL);
    assertEquals(NatBehaviour.NONE, c.mapping());
  }

  @Test
  void filteringComesFromWhichDialBacksArrive() {
    assertEquals(NatBehaviour.ENDPOINT_INDEPENDENT, filtering(true, false));
    assertEquals(NatBehaviour.ADDRESS_DEPENDENT, filtering(false, true));
    assertEquals(NatBehaviour.ADDRESS_AND_PORT_DEPENDENT, filtering(false, false));
  }

  private NatBehaviour filtering(boolean otherHostArrives, boolean otherPortArrives) {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    var host = c.startTest(NatClassifier.TestKind.OTHER_ADDRESS, random, 0).orElseThrow();
    var port = c.startTest(NatClassifier.TestKind.SAME_ADDRESS_OTHER_PORT, random, 0).orElseThrow();
    assertEquals(800, c.pollTimeout().getAsLong());
    assertEquals(NatBehaviour.UNKNOWN, c.filtering());
    if (otherHostArrives) {
      assertTrue(c.handleTestArrived(host.nonce(), 100));
    }
    if (otherPortArrives) {
      assertTrue(c.handleTestArrived(port.nonce(), 100));
    }
    assertFalse(c.handleTestArrived(12345, 100), "unknown nonces are ignored");
    c.handleTimeout(800);
    assertTrue(c.pollTimeout().isEmpty());
    return c.filtering();
  }

  @Test
  void lateArrivalsAndFloodsDoNotCount() {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    var t = c.startTest(NatClassifier.TestKind.HAIRPIN, random, 0).orElseThrow();
    assertFalse(c.handleTestArrived(t.nonce(), 801));
    assertNull(c.report().hairpinning());
    for (int i = 0; i < 20; i++) {
      c.startTest(NatClassifier.TestKind.HAIRPIN, random, 0);
    }
    assertTrue(c.startTest(NatClassifier.TestKind.HAIRPIN, random, 0).isEmpty(), "pending tests are bounded");
  }

  @Test
  void keepalivesFollowTheMeasuredLifetime() {
    NatClassifier c = new NatClassifier(LOCAL, 800);
    assertEquals(NatClassifier.DEFAULT_LIFETIME_MS, c.mappingLifetimeMs());
    c.handleIdleResult(60_000, true);
    assertEquals(60_000, c.mappingLifetimeMs());
    assertEquals(30_000, c.keepaliveIntervalMs());
    c.handleIdleResult(40_000, false); // contradicts: trust the failure
    assertEquals(20_000, c.mappingLifetimeMs());
  }

  @Test
  void dialBacksGoOnlyToTheRequesterItself() {
    InetSocketAddress src = at(198, 51, 100, 11, 4000);
    assertEquals(DialBackRule.Verdict.ALLOW, DialBackRule.check(src, src));
    assertEquals(DialBackRule.Verdict.REFUSE_THIRD_PARTY, DialBackRule.check(src, at(192, 0, 2, 1, 53)));
    assertEquals(DialBackRule.Verdict.REFUSE_THIRD_PARTY, DialBackRule.check(src, at(198, 51, 100, 11, 4001)));
    assertEquals(DialBackRule.Verdict.REFUSE_MALFORMED, DialBackRule.check(src, at(198, 51, 100, 11, 0)));
    assertEquals(DialBackRule.Verdict.REFUSE_MALFORMED, DialBackRule.check(src, null));
  }
}
