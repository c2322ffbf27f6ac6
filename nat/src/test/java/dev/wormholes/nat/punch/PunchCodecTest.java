package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.io.BaseEncoding;
import dev.wormholes.nat.NatBehaviour;
import dev.wormholes.nat.Networks;
import dev.wormholes.proto.Identity;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The punch datagram codec: golden hex, round trips of every message, hostile bytes. */
class PunchCodecTest {
  static final InetSocketAddress EP = new InetSocketAddress(
      Networks.ofBytes(new byte[] {(byte) 198, 51, 100, 11}), 4000);
  static final Identity ALICE = Identity.generate(new SplittableRandom(1));

  static String hex(byte[] b) {
    return BaseEncoding.base16().lowerCase().encode(b);
  }

  @Test
  void goldenHex() {
    String[][] table = {
      {"0e574801" + "02" + "04c633640b0fa0", hex(PunchCodec.encode(new PunchMessage.Registered(EP)))},
      {"0e574801" + "06" + "0000000000000005" + "01", hex(PunchCodec.encode(new PunchMessage.Refused(5, 1)))},
      {"0e574801" + "0b" + "0000000000000002" + "01" + "04c633640b0fa0",
          hex(PunchCodec.encode(new PunchMessage.DialBackRequest(2, true, EP)))},
      {"0e574801" + "0d" + "0000000000000001", hex(PunchCodec.encode(new PunchMessage.DialBack(1)))},
      {"0e574801" + "09" + "0102030405060708" + "00".repeat(27),
          hex(PunchCodec.encode(new PunchMessage.Observe(0x0102030405060708L)))},
      {"0e574801" + "0a" + "0102030405060708" + "04c633640b0fa0",
          hex(PunchCodec.encode(new PunchMessage.Observed(0x0102030405060708L, EP)))},
    };
    for (String[] row : table) {
      assertEquals(row[0], row[1]);
      assertEquals(row[1], hex(PunchCodec.encode(PunchCodec.decode(BaseEncoding.base16().lowerCase()
          .decode(row[0])).orElseThrow())));
    }
    assertEquals(PunchCodec.MIN_OBSERVE, PunchCodec.encode(new PunchMessage.Observe(1)).length,
        "an Observe is as large as its answer: no amplification");
    List<Candidate> v6 = java.util.Collections.nCopies(PunchCodec.MAX_CANDIDATES, new Candidate(Candidate.Kind.LAN,
        new InetSocketAddress(Networks.ofBytes(new byte[16]), 1)));
    NatHint h = NatHint.UNKNOWN;
    PunchMessage.Accept big = PunchCodec.accept(ALICE, 1, ALICE.id(), h, v6, 1);
    int largestAccept = PunchCodec.encode(new PunchMessage.Accept(1, big.responderKey(), big.initiatorId(), h, v6,
        big.signature(), 1, new InetSocketAddress(Networks.ofBytes(new byte[16]), 1))).length;
    int probe = PunchCodec.encode(new PunchMessage.Probe(1, 1, new byte[64])).length;
    assertTrue(PunchCodec.MIN_CONNECT >= largestAccept + 3 * probe,
        "a Connect pays for the largest Accept and three blind probes: " + largestAccept + " + 3 x " + probe);
    assertEquals(PunchCodec.MIN_CONNECT, PunchCodec.encode(PunchCodec.connect(ALICE, 1, ALICE.id(), h, v6)).length,
        "the largest Connect is padded to the minimum too (it fits)");
  }

  static List<PunchMessage> samples() {
    NatHint hint = new NatHint(NatBehaviour.ENDPOINT_INDEPENDENT, NatBehaviour.ADDRESS_AND_PORT_DEPENDENT);
    List<Candidate> cs = List.of(new Candidate(Candidate.Kind.LAN, EP), new Candidate(Candidate.Kind.MAPPED, EP));
    PunchMessage.Connect c = PunchCodec.connect(ALICE, 77, ALICE.id(), hint, cs);
    PunchMessage.Accept a = PunchCodec.accept(ALICE, 77, ALICE.id(), hint, cs, 0x1234);
    return List.of(
        new PunchMessage.Register(ALICE.publicKey(), 9, new byte[64]),
        new PunchMessage.Registered(EP), c,
        new PunchMessage.Connect(77, c.initiatorKey(), c.targetId(), hint, cs, c.signature(), EP), a,
        new PunchMessage.Accept(77, a.responderKey(), a.initiatorId(), hint, cs, a.signature(), 0x1234, EP),
        new PunchMessage.Sync(77, ALICE.id().toBytes(), 0x1234), new PunchMessage.Refused(77, 1),
        new PunchMessage.Probe(77, -5, new byte[64]), new PunchMessage.ProbeAck(77, -5, new byte[64]),
        new PunchMessage.Observe(3), new PunchMessage.Observed(3, EP),
        new PunchMessage.DialBackRequest(4, false, EP), new PunchMessage.DialBackOrder(4, EP),
        new PunchMessage.DialBack(4));
  }

  @Test
  void everyMessageRoundTrips() {
    for (PunchMessage m : samples()) {
      byte[] b = PunchCodec.encode(m);
      Optional<PunchMessage> back = PunchCodec.decode(b);
      assertEquals(m.getClass(), back.orElseThrow().getClass());
      assertArrayEquals(b, PunchCodec.encode(back.get()), m.toString());
    }
    assertTrue(PunchCodec.verify((PunchMessage.Connect) PunchCodec.decode(PunchCodec.encode(samples().get(2))).get()));
  }

  @Test
  void hostileBytesAreEmptyNeverExceptions() {
    SplittableRandom r = new SplittableRandom(99);
    List<byte[]> valid = samples().stream().map(PunchCodec::encode).toList();
    for (int i = 0; i < 50_000; i++) {
      byte[] base = valid.get(r.nextInt(valid.size()));
      byte[] b;
      switch (r.nextInt(3)) {
        case 0 -> b = java.util.Arrays.copyOf(base, r.nextInt(base.length + 1)); // truncated
        case 1 -> {
          b = base.clone();
          b[4 + r.nextInt(b.length - 4)] ^= (byte) (1 + r.nextInt(255)); // one byte flipped
        }
        default -> {
          b = new byte[r.nextInt(1300)];
          r.nextBytes(b);
          System.arraycopy(PunchCodec.MAGIC, 0, b, 0, Math.min(4, b.length));
        }
      }
      PunchCodec.decode(b); // must not throw
    }
    byte[] extra = java.util.Arrays.copyOf(valid.get(1), valid.get(1).length + 1);
    assertTrue(PunchCodec.decode(extra).isEmpty(), "trailing bytes are refused");
  }
}
