package dev.wormholes.nat.punch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.nat.sim.PunchScenario;
import dev.wormholes.nat.sim.VirtualNat;
import dev.wormholes.nat.sim.VirtualNat.Type;
import org.junit.jupiter.api.Test;

/**
 * Every pair of NAT types punched in virtual time with the real engines: endpoint-independent
 * pairs punch at once, a port-restricted side against a symmetric one needs the birthday
 * technique, symmetric against symmetric never punches (relay needed).
 */
class HolePunchMatrixTest {
  private static final HolePunch.Config CONFIG = HolePunch.Config.defaults();

  @Test
  void everyPairEndsAsPhysicsAllows() {
    StringBuilder table = new StringBuilder("\npair -> result (A's view), time to path\n");
    long seed = 7;
    for (Type a : Type.values()) {
      for (Type b : Type.values()) {
        PunchScenario.Outcome o = PunchScenario.run(a, b, seed++, CONFIG);
        table.append(String.format("%-18s <-> %-18s %s%n", a, b, describe(o.a())));
        boolean bothHard = a == Type.SYMMETRIC && b == Type.SYMMETRIC;
        if (bothHard) {
          assertInstanceOf(PunchEvent.PunchFailed.class, o.a(), a + "<->" + b);
          assertInstanceOf(PunchEvent.PunchFailed.class, o.b(), a + "<->" + b);
          assertEquals(HolePunch.FailReason.TIMEOUT, ((PunchEvent.PunchFailed) o.a()).reason());
        } else if (birthday(a, b)) {
          // Probabilistic (about 98 % per try): the rate is checked by HolePunchBirthdayTest.
          if (o.punched()) {
            assertEquals(HolePunch.PathKind.BIRTHDAY, ((PunchEvent.PathEstablished) o.a()).kind());
          }
        } else {
          assertTrue(o.punched(), a + "<->" + b + ": " + o.a() + " / " + o.b());
          PunchEvent.PathEstablished pa = (PunchEvent.PathEstablished) o.a();
          HolePunch.PathKind want = b == Type.PUBLIC ? HolePunch.PathKind.DIRECT : HolePunch.PathKind.PUNCHED;
          assertEquals(want, pa.kind(), a + "<->" + b);
          assertTrue(pa.elapsedMs() < 500, "easy pairs punch within a few RTTs: " + pa);
        }
      }
    }
    System.out.println(table);
  }

  private static boolean birthday(Type a, Type b) {
    return a == Type.PORT_RESTRICTED && b == Type.SYMMETRIC || a == Type.SYMMETRIC && b == Type.PORT_RESTRICTED;
  }

  private static String describe(PunchEvent e) {
    if (e instanceof PunchEvent.PathEstablished p) {
      return p.kind() + " in " + p.elapsedMs() + " ms (" + p.probesSent() + " probes)";
    }
    return e == null ? "nothing" : "failed: " + ((PunchEvent.PunchFailed) e).reason();
  }

  @Test
  void twoHostsBehindOneNatUseTheLan() {
    for (VirtualNat.Type t : new Type[] {Type.PORT_RESTRICTED, Type.SYMMETRIC}) {
      PunchScenario.Outcome o = PunchScenario.sameLan(t, 3, CONFIG);
      assertTrue(o.punched(), t + ": " + o.a());
      assertEquals(HolePunch.PathKind.LAN, ((PunchEvent.PathEstablished) o.a()).kind());
      assertEquals(HolePunch.PathKind.LAN, ((PunchEvent.PathEstablished) o.b()).kind());
    }
  }
}
