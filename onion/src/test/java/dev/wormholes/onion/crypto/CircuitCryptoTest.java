package dev.wormholes.onion.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Relay crypto over 1-8 hop circuits in the style of Tor's test_relaycrypt.c: thousands of random
 * cells both ways recognised only at the addressed hop; one flipped bit at any hop closes the
 * circuit and nothing later is delivered (the CTR baseline fails that same check); the tagging
 * attack of two colluding hops; CGO's per-cell key update (forward secrecy).
 */
class CircuitCryptoTest {
  private static final int RELAY = 3;
  private static final int RELAY_EARLY = 9;
  private static final int BODY = RelayCrypto.BODY_BYTES;
  private static final long SEED = 0x5eedL;

  @Test
  void randomCellsRoundTripBothWaysAtTheAddressedHopOnly() {
    Random random = new Random(SEED);
    System.out.println("seed " + SEED);
    for (int hops = 1; hops <= ClientCircuitCrypto.MAX_HOPS; hops++) {
      CircuitFixture c = new CircuitFixture(Cgo.SCHEME, hops, random);
      for (int i = 0; i < 1000; i++) {
        int hop = random.nextInt(hops);
        int cmd = random.nextBoolean() ? RELAY : RELAY_EARLY;
        byte[] message = randomBody(random);
        byte[] body = message.clone();
        boolean outbound = random.nextBoolean();
        int at = outbound ? c.sendOutbound(hop, cmd, body) : c.sendInbound(hop, cmd, body);
        assertEquals(hop, at, "hops " + hops + " cell " + i + (outbound ? " outbound" : " inbound"));
        assertArrayEquals(Arrays.copyOfRange(message, 16, BODY), Arrays.copyOfRange(body, 16, BODY));
      }
    }
  }

  @Test
  void oneFlippedBitAtAnyHopClosesTheCircuitAndNothingLaterIsDelivered() {
    Random random = new Random(SEED + 1);
    int checks = 0;
    for (int hops = 1; hops <= ClientCircuitCrypto.MAX_HOPS; hops++) {
      for (int at = 0; at < hops; at++) {
        for (boolean outbound : new boolean[] {true, false}) {
          int bit = random.nextInt(BODY * 8);
          assertTrue(tamperingDetected(Cgo.SCHEME, hops, at, outbound, bit, random),
              "hops " + hops + " at " + at + " bit " + bit + (outbound ? " outbound" : " inbound"));
          checks++;
        }
      }
    }
    assertEquals(72, checks);
  }

  @Test
  void ctrBaselineFailsTheSameCheck() {
    Random random = new Random(SEED + 2);
    int undetected = 0;
    int runs = 0;
    for (int hops = 1; hops <= ClientCircuitCrypto.MAX_HOPS; hops++) {
      for (int at = 0; at < hops; at++) {
        for (boolean outbound : new boolean[] {true, false}) {
          // A bit of the message, past the 16 bytes the baseline recognises by.
          int bit = 128 + random.nextInt((BODY - 16) * 8);
          runs++;
          if (!tamperingDetected(CtrBaseline.SCHEME, hops, at, outbound, bit, random)) {
            undetected++;
          }
        }
      }
    }
    assertEquals(runs, undetected, "CTR delivers every modified cell as if intact");
  }

  @Test
  void taggingByTwoCollidingHopsIsUndetectedOnlyWithCtr() {
    for (int hops = 2; hops <= ClientCircuitCrypto.MAX_HOPS; hops++) {
      assertTrue(tagged(CtrBaseline.SCHEME, hops, new Random(SEED + hops)), "CTR, hops " + hops);
      assertFalse(tagged(Cgo.SCHEME, hops, new Random(SEED + hops)), "CGO, hops " + hops);
    }
  }

  @Test
  void cgoKeysChangeWithEveryCellSoACapturedCellCannotBeReadAgain() {
    Random random = new Random(SEED + 3);
    for (int hops = 1; hops <= 3; hops++) {
      CircuitFixture c = new CircuitFixture(Cgo.SCHEME, hops, random);
      int target = hops - 1;
      byte[][] captured = new byte[1][];
      c.tamper = (hop, outbound, body) -> {
        if (outbound && hop == target) {
          captured[0] = body.clone();
        }
      };
      Cgo.State relayState = ((Cgo.RelayOutbound) c.relays[target].outbound()).s;
      byte[] keysBefore = relayState.uiv.keys();
      byte[] message = randomBody(random);
      byte[] body = message.clone();
      assertEquals(target, c.sendOutbound(target, RELAY, body));
      assertFalse(Arrays.equals(keysBefore, relayState.uiv.keys()), "keys replaced after the cell");
      // The hop's state now (what a later compromise would seize) no longer opens the cell.
      byte[] again = captured[0].clone();
      assertFalse(c.relays[target].outbound().decryptOutbound(RELAY, again));
      assertNotEquals(Arrays.toString(Arrays.copyOfRange(message, 16, BODY)),
          Arrays.toString(Arrays.copyOfRange(again, 16, BODY)));

      // Inbound: the client's layer for the origin hop is replaced the same way.
      CircuitFixture d = new CircuitFixture(Cgo.SCHEME, hops, random);
      byte[][] wire = new byte[1][];
      d.tamper = (hop, outbound, b) -> {
        if (!outbound && hop == 0) {
          wire[0] = b.clone();
        }
      };
      Cgo.State clientState = ((Cgo.ClientInbound) d.client.hopLayer(target).inbound()).s;
      byte[] clientKeysBefore = clientState.uiv.keys();
      byte[] in = randomBody(random);
      assertEquals(target, d.sendInbound(target, RELAY, in.clone()));
      assertFalse(Arrays.equals(clientKeysBefore, clientState.uiv.keys()));
      assertEquals(-1, d.client.recognise(RELAY, wire[0].clone()), "a replayed cell is not recognised");
    }
  }

  @Test
  void cgoChainBreaksForEveryLaterCellAfterOneTamperedCell() {
    // Even without closing, a tampered cell desynchronises T' at every hop it reached.
    Random random = new Random(SEED + 4);
    CircuitFixture c = new CircuitFixture(Cgo.SCHEME, 3, random);
    boolean[] flip = {true};
    c.tamper = (hop, outbound, body) -> {
      if (hop == 1 && outbound && flip[0]) {
        body[100] ^= 1;
        flip[0] = false;
      }
    };
    assertEquals(CircuitFixture.FAILED, c.sendOutbound(2, RELAY, randomBody(random)));
    c.closed = false;
    for (int i = 0; i < 50; i++) {
      assertEquals(CircuitFixture.FAILED, c.sendOutbound(1 + random.nextInt(2), RELAY, randomBody(random)));
      c.closed = false;
    }
    assertEquals(0, c.sendOutbound(0, RELAY, randomBody(random)), "hop 0 never saw the flip");
  }

  /**
   * Run a few clean cells, then one cell through hop {@code at} with {@code bit} flipped, then more
   * cells; return whether the circuit reported the failure and delivered nothing afterwards.
   */
  private static boolean tamperingDetected(RelayCrypto.Scheme scheme, int hops, int at,
      boolean outbound, int bit, Random random) {
    CircuitFixture c = new CircuitFixture(scheme, hops, random);
    for (int i = 0; i < 5; i++) {
      int hop = random.nextInt(hops);
      assertEquals(hop, outbound ? c.sendOutbound(hop, RELAY, randomBody(random)) : c.sendInbound(hop, RELAY, randomBody(random)));
    }
    boolean[] armed = {true};
    c.tamper = (hop, out, body) -> {
      if (armed[0] && hop == at && out == outbound) {
        body[bit / 8] ^= (byte) (1 << (bit % 8));
        armed[0] = false;
      }
    };
    int target = at + random.nextInt(hops - at);
    byte[] message = randomBody(random);
    byte[] body = message.clone();
    int result = outbound ? c.sendOutbound(target, RELAY, body) : c.sendInbound(target, RELAY, body);
    boolean delivered = result >= 0;
    for (int i = 0; i < 20; i++) {
      int hop = random.nextInt(hops);
      byte[] later = randomBody(random);
      int r = outbound ? c.sendOutbound(hop, RELAY, later) : c.sendInbound(hop, RELAY, later);
      delivered |= r >= 0;
    }
    return result == CircuitFixture.FAILED && c.closed && !delivered;
  }

  /**
   * Hop 0 flips a message bit of an outbound cell for the last hop; the last hop, colluding,
   * flips it back before decrypting. Return whether the cell then arrives intact (the mark went
   * through unseen).
   */
  private static boolean tagged(RelayCrypto.Scheme scheme, int hops, Random random) {
    CircuitFixture c = new CircuitFixture(scheme, hops, random);
    int last = hops - 1;
    c.tamper = (hop, outbound, body) -> {
      if (hop == 0 || hop == last) {
        body[200] ^= 0x10;
      }
    };
    byte[] message = randomBody(random);
    byte[] body = message.clone();
    return c.sendOutbound(last, RELAY, body) == last
        && Arrays.equals(Arrays.copyOfRange(message, 16, BODY), Arrays.copyOfRange(body, 16, BODY));
  }

  private static byte[] randomBody(Random random) {
    byte[] body = new byte[BODY];
    random.nextBytes(body);
    return body;
  }
}
