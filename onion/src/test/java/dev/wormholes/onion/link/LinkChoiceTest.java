package dev.wormholes.onion.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.wormholes.onion.link.LinkChoice.Verdict;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinkChoiceTest {
  private static final NodeId SMALL = NodeId.ofWords(1, 0, 0, 0);
  private static final NodeId LARGE = NodeId.ofWords(2, 0, 0, 0);

  @Test
  void aHeldLinkNoLongerActiveGivesWayToAnyNewLink() {
    LinkChoice c = new LinkChoice(SMALL, 1);
    for (int i = 0; i < 10; i++) {
      for (boolean heldHere : new boolean[] {true, false}) {
        for (boolean newHere : new boolean[] {true, false}) {
          assertEquals(Verdict.REPLACE, c.choose(LARGE, false, heldHere, newHere, 0));
        }
      }
    }
    assertEquals(0, c.refusedRedials());
    assertEquals(0, c.budgetsHeld(), "a dead link's replacement takes no redial token");
  }

  @Test
  void aRedialBySameSideReplacesAndOfTwoSidesTheSmallerIdsDialWins() {
    LinkChoice small = new LinkChoice(SMALL);
    LinkChoice large = new LinkChoice(LARGE);
    assertEquals(Verdict.REPLACE, small.choose(LARGE, true, true, true, 0));
    assertEquals(Verdict.REPLACE, small.choose(LARGE, true, false, false, 0));
    // SMALL holds LARGE's dial; its own dial arrives: its own wins.
    assertEquals(Verdict.REPLACE, small.choose(LARGE, true, false, true, 0));
    // SMALL holds its own dial; LARGE's arrives: refused.
    assertEquals(Verdict.KEEP_HELD, small.choose(LARGE, true, true, false, 0));
    // The same two links seen from LARGE.
    assertEquals(Verdict.KEEP_HELD, large.choose(SMALL, true, false, true, 0));
    assertEquals(Verdict.REPLACE, large.choose(SMALL, true, true, false, 0));
  }

  @Test
  void aNeighbourRedialingOverAnActiveLinkIsRefusedBeyondItsBudgetAndCounted() {
    LinkChoice c = new LinkChoice(SMALL);
    long now = 1_000;
    for (int i = 0; i < LinkChoice.REDIALS_PER_MINUTE; i++) {
      assertEquals(Verdict.REPLACE, c.choose(LARGE, true, false, false, now));
    }
    for (int i = 0; i < 100; i++) {
      assertEquals(Verdict.REFUSE_REDIAL, c.choose(LARGE, true, false, false, now + i));
    }
    assertEquals(100, c.refusedRedials());
    assertEquals(LinkChoice.REDIALS_PER_MINUTE, c.replacedByRedial());
    // Another neighbour has its own budget; this node's own redials and a dead link's replacement take none.
    NodeId other = NodeId.ofWords(3, 0, 0, 0);
    assertEquals(Verdict.REPLACE, c.choose(other, true, false, false, now));
    for (int i = 0; i < 100; i++) {
      assertEquals(Verdict.REPLACE, c.choose(LARGE, true, true, true, now));
      assertEquals(Verdict.REPLACE, c.choose(LARGE, false, false, false, now));
    }
    // One token back every 60 / N seconds.
    long refill = 60_000 / LinkChoice.REDIALS_PER_MINUTE;
    assertEquals(Verdict.REFUSE_REDIAL, c.choose(LARGE, true, false, false, now + refill - 100));
    assertEquals(Verdict.REPLACE, c.choose(LARGE, true, false, false, now + refill));
    assertEquals(Verdict.REFUSE_REDIAL, c.choose(LARGE, true, false, false, now + refill));
    assertEquals(102, c.refusedRedials());
  }

  @Test
  void budgetsRefilledToFullAreForgotten() {
    LinkChoice c = new LinkChoice(SMALL);
    for (long n = 10; n < 1_010; n++) {
      c.choose(NodeId.ofWords(n, 0, 0, 0), true, false, false, 0);
    }
    assertEquals(1_000, c.budgetsHeld());
    long refill = 60_000 / LinkChoice.REDIALS_PER_MINUTE;
    c.prune(refill - 1);
    assertEquals(1_000, c.budgetsHeld());
    c.prune(refill);
    assertEquals(0, c.budgetsHeld());
  }

  /**
   * Two nodes dial each other (each one to three times, a side's next dial after its previous one
   * ended, with a redial budget of 1 or 2 so that redials are refused too) and
   * every step happens in an order a random schedule picks: the acceptor's decision, the dialler's
   * attach after an accept, each end learning that the other closed a link, and its removal. Once
   * nothing is left to happen, both ends hold the same link, open at both.
   */
  @Test
  void bothEndsKeepTheSameLinkWhateverOrderTheDialsArriveIn() {
    long[] refused = {0};
    qt().withExamples(3_000)
        .forAll(longs().all(), booleans().all(), integers().between(1, 3), integers().between(1, 3))
        .checkAssert((seed, aSmaller, dialsA, dialsB) -> {
          int budget = 1 + (int) (seed & 1);
          Pair pair = new Pair(aSmaller ? SMALL : LARGE, aSmaller ? LARGE : SMALL, dialsA, dialsB, budget);
          pair.run(new SplittableRandom(seed));
          pair.assertOneLinkKept();
          refused[0] += pair.choice[0].refusedRedials() + pair.choice[1].refusedRedials();
        });
    assertTrue(refused[0] > 0, "some schedules refuse a redial over the budget");
  }

  /** Two ends, 0 and 1, each with its own {@link LinkChoice}, and the links between them. */
  private static final class Pair {
    final NodeId[] ids;
    final LinkChoice[] choice;
    final int[] dialsLeft;
    /** The link each end holds (-1: none). */
    final int[] held = {-1, -1};
    final List<Link> links = new ArrayList<>();
    final List<Runnable> pending = new ArrayList<>();
    long now;

    /** A link's facts at both ends. */
    static final class Link {
      final int dialler;
      boolean completed;
      /** closedAt[e]: end e closed it or learnt it was closed. */
      final boolean[] closedAt = new boolean[2];

      Link(int dialler) {
        this.dialler = dialler;
      }
    }

    Pair(NodeId a, NodeId b, int dialsA, int dialsB, int redialsPerMinute) {
      ids = new NodeId[] {a, b};
      choice = new LinkChoice[] {new LinkChoice(a, redialsPerMinute), new LinkChoice(b, redialsPerMinute)};
      dialsLeft = new int[] {dialsA, dialsB};
      dial(0);
      dial(1);
    }

    void run(SplittableRandom random) {
      for (int steps = 0; !pending.isEmpty(); steps++) {
        assertTrue(steps < 1_000, "the schedule ends");
        now += random.nextInt(2_000);
        pending.remove(random.nextInt(pending.size())).run();
      }
    }

    void dial(int side) {
      if (dialsLeft[side]-- <= 0) {
        return;
      }
      int l = links.size();
      links.add(new Link(side));
      pending.add(() -> accept(l));
    }

    void accept(int l) {
      Link link = links.get(l);
      int acceptor = 1 - link.dialler;
      if (attach(acceptor, l)) {
        pending.add(() -> complete(l));
      } else {
        dial(link.dialler); // refused: the dial failed
      }
    }

    void complete(int l) {
      Link link = links.get(l);
      link.completed = true;
      attach(link.dialler, l);
      dial(link.dialler);
    }

    /** End {@code e} attaches link {@code l}; return whether it kept it. */
    boolean attach(int e, int l) {
      Link link = links.get(l);
      int h = held[e];
      Verdict v = h < 0 ? Verdict.REPLACE
          : choice[e].choose(ids[1 - e], !links.get(h).closedAt[e], links.get(h).dialler == e, link.dialler == e, now);
      if (v == Verdict.REPLACE) {
        held[e] = l;
        if (h >= 0) {
          close(e, h);
        }
        if (link.closedAt[e]) { // the other end closed it before this end attached it
          pending.add(() -> removed(e, l));
        }
        return true;
      }
      if (link.dialler == e) {
        close(e, l);
      }
      return false;
    }

    /** End {@code e} closes link {@code l}: the other end learns it later (a dialler only once attached). */
    void close(int e, int l) {
      links.get(l).closedAt[e] = true;
      pending.add(() -> learnClosed(1 - e, l));
    }

    void learnClosed(int e, int l) {
      Link link = links.get(l);
      if (e == link.dialler && !link.completed) {
        pending.add(() -> learnClosed(e, l)); // the answer comes before the close
        return;
      }
      link.closedAt[e] = true;
      pending.add(() -> removed(e, l));
    }

    void removed(int e, int l) {
      if (held[e] == l) {
        held[e] = -1;
      }
    }

    void assertOneLinkKept() {
      assertTrue(held[0] >= 0, "end 0 holds a link");
      assertEquals(held[0], held[1], "both ends hold the same link");
      Link kept = links.get(held[0]);
      assertTrue(!kept.closedAt[0] && !kept.closedAt[1], "the link kept is open at both ends");
    }
  }
}
