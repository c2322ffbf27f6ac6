package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.wormholes.proto.Identity;
import java.util.Random;

/** Rosters for the tests of this package. */
final class TestRosters {
  private TestRosters() {}

  /** Return the roster of {@code r}, failing the test if it is not valid. */
  static Roster valid(RosterResult r) {
    return assertInstanceOf(RosterResult.Valid.class, r, () -> r.toString()).roster();
  }

  /** Return {@code f}'s roster with {@code members} added, in order, by its founder {@code founder}. */
  static Roster withMembers(Roster.Founded f, Identity founder, Random random, Identity... members) {
    Roster r = f.roster();
    for (Identity m : members) {
      r = valid(r.append(r.addMember(founder, Member.of(m), f.epochKey(), random)));
    }
    return r;
  }
}
