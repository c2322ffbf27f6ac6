package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyringTest {
  private final Random random = new Random(3);
  private final byte[] epoch1 = secret();
  private final byte[] epoch2 = secret();

  private byte[] secret() {
    byte[] s = new byte[32];
    random.nextBytes(s);
    return s;
  }

  private static SealKey key(byte[] s) {
    return SealKey.of(s, SealKey.Use.EPOCH);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static NodeId id(String name) {
    return Identity.idOf(bytes(name));
  }

  private static <T> SealDrop dropped(Keyring.Opened<T> o) {
    return assertInstanceOf(Keyring.Opened.Dropped.class, o, () -> o.toString()).reason();
  }

  @Test
  void aSealedDatagramOpensOnceAtItsNetwork() {
    Keyring<String> alice = new Keyring<>(random, 0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, 0, id("bob"));
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    bob.install("work", 1, key(secret()), 0);
    byte[] d = alice.seal("friends", null, bytes("hello"), 1_000);
    assertEquals(Keyring.OVERHEAD + 5, d.length);
    Keyring.Opened.Ok<?> ok = assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 10));
    assertEquals("friends", ok.owner());
    assertArrayEquals(bytes("hello"), ok.plaintext());
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(d, 20)));
    assertEquals(1L, bob.drops().get(SealDrop.REPLAYED));
  }

  @Test
  void outsidersGarbageAndForgeriesAreDroppedAndCounted() {
    Keyring<String> alice = new Keyring<>(random, 0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, 0, id("bob"));
    Keyring<String> mallory = new Keyring<>(random, 0, id("mallory"));
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    mallory.install("friends", 1, key(secret()), 0);
    assertEquals(SealDrop.UNKNOWN_KEY, dropped(bob.open(mallory.seal("friends", null, bytes("hi"), 1_000), 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[] {0x10, 1, 2}, 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[64], 0)));
    byte[] d = alice.seal("friends", null, bytes("hello"), 1_000);
    d[d.length - 1] ^= 1;
    assertEquals(SealDrop.BAD_TAG, dropped(bob.open(d, 0)));
    d[d.length - 1] ^= 1;
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 0), "a forgery does not burn the nonce");
  }

  @Test
  void aReplacedKeyOpensMarkedOverlapThenRetired() {
    Keyring<String> alice = new Keyring<>(random, 0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, 0, id("bob"));
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    byte[] late1 = alice.seal("friends", null, bytes("a"), 1_000);
    byte[] late2 = alice.seal("friends", null, bytes("b"), 1_000);
    bob.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, bob.epoch("friends").orElseThrow());
    Keyring.Opened.Ok<?> inOverlap = (Keyring.Opened.Ok<?>) bob.open(late1, 1_000 + Keyring.OVERLAP_MS - 1);
    assertEquals(1L, inOverlap.epoch());
    assertEquals(Keyring.Standing.OVERLAP, inOverlap.standing());
    Keyring.Opened.Ok<?> after = (Keyring.Opened.Ok<?>) bob.open(late2, 1_000 + Keyring.OVERLAP_MS);
    assertEquals(Keyring.Standing.RETIRED, after.standing());
    // An answer under the retired key opens at the sender, which still holds it as its current key.
    Keyring.Opened.Ok<?> answer = (Keyring.Opened.Ok<?>) alice.open(bob.sealWith(after.keyId(), null, bytes("r"), 2_000), 2_000);
    assertEquals(Keyring.Standing.CURRENT, answer.standing());
    alice.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, ((Keyring.Opened.Ok<?>) bob.open(alice.seal("friends", null, bytes("c"), 1_000), 200_000)).epoch());
  }

  @Test
  void onlyTheNewestReplacedKeysAreKept() {
    Keyring<String> alice = new Keyring<>(random, 0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, 0, id("bob"));
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    byte[] first = alice.seal("friends", null, bytes("a"), 1_000);
    for (int e = 2; e <= Keyring.MAX_KEPT + 2; e++) {
      bob.install("friends", e, key(secret()), 0);
    }
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(first, 2_000)));
  }

  @Test
  void aKeyOfAnyEarlierEpochARosterCanHoldStillOpensACatchUp() {
    // Carol was away while her network went through as many epochs as a roster can hold (one
    // change each); alice, restarted, keeps every earlier key her roster granted her, and another
    // network's epochs do not push them out.
    Keyring<String> carol = new Keyring<>(random, 0, id("carol"));
    carol.install("friends", 1, key(epoch1), 0);
    byte[] ask = carol.seal("friends", null, bytes("q"), 5_000);
    Keyring<String> alice = new Keyring<>(random, 1_000, id("alice"));
    alice.install("friends", Roster.MAX_CHANGES, key(secret()), 1_000);
    alice.keepRetired("friends", 1, key(epoch1));
    for (int e = 2; e < Roster.MAX_CHANGES; e++) {
      alice.keepRetired("friends", e, key(secret()));
    }
    alice.install("work", 1, key(secret()), 1_000);
    for (int e = 2; e <= Keyring.MAX_KEPT + 1; e++) {
      alice.install("work", e, key(secret()), 1_000);
    }
    Keyring.Opened.Ok<?> o = assertInstanceOf(Keyring.Opened.Ok.class, alice.open(ask, 5_010));
    assertEquals(1L, o.epoch());
    assertEquals(Keyring.Standing.RETIRED, o.standing());
  }

  @Test
  void aRestartedNodeKeepsItsEarlierKeysRetired() {
    Keyring<String> carol = new Keyring<>(random, 0, id("carol"));
    carol.install("friends", 1, key(epoch1), 0);
    byte[] ask = carol.seal("friends", null, bytes("q"), 5_000);
    Keyring<String> alice = new Keyring<>(random, 1_000, id("alice")); // restarted, at epoch 2
    alice.install("friends", 2, key(epoch2), 1_000);
    assertEquals(SealDrop.UNKNOWN_KEY, dropped(alice.open(ask, 5_000)));
    alice.keepRetired("friends", 1, key(epoch1));
    alice.keepRetired("friends", 2, key(epoch2)); // the current key: nothing changes
    Keyring.Opened.Ok<?> o = (Keyring.Opened.Ok<?>) alice.open(ask, 5_010);
    assertEquals(Keyring.Standing.RETIRED, o.standing());
    assertEquals(Keyring.Standing.CURRENT,
        ((Keyring.Opened.Ok<?>) carol.open(alice.sealWith(o.keyId(), null, bytes("r"), 6_000), 6_000)).standing());
    assertEquals(2L, alice.epoch("friends").orElseThrow());
  }

  @Test
  void theReplayWindowAcceptsReorderingAndRefusesTooOld() {
    ReplayWindow w = new ReplayWindow();
    for (long c : new long[] {5, 3, 4, 0, 2000, 1500}) {
      assertEquals(true, w.fresh(c), "counter " + c);
      w.mark(c);
    }
    assertEquals(false, w.fresh(5));
    assertEquals(false, w.fresh(2000));
    assertEquals(false, w.fresh(2000 - ReplayWindow.SIZE), "older than the window");
    assertEquals(true, w.fresh(1999));
    assertEquals(false, w.fresh(-1));
  }

  @Test
  void removedKeysStopOpeningAtOnce() {
    Keyring<String> alice = new Keyring<>(random, 0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, 0, id("bob"));
    alice.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    bob.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    byte[] d = alice.seal("join", null, bytes("x"), 1_000);
    bob.remove("join");
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(d, 0)));
  }

  @Test
  void aDatagramCapturedBeforeARestartDoesNotOpenAfterIt() {
    long t0 = 1_780_000_000_000L; // wall clock, ms
    Keyring<String> alice = new Keyring<>(random, t0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, t0, id("bob"));
    alice.install("friends", 1, key(epoch1), t0);
    bob.install("friends", 1, key(epoch1), t0);
    byte[] captured = alice.seal("friends", null, bytes("ping"), t0 + 5_000);
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(captured, t0 + 5_010));
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(captured, t0 + 5_020)));

    // Bob restarts: a new keyring, the same epoch key, empty replay windows.
    long restart = t0 + 9_000;
    Keyring<String> bob2 = new Keyring<>(random, restart, id("bob2"));
    bob2.install("friends", 1, key(epoch1), restart);
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(captured, restart + 10)));
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(captured, restart + 60_000)));
    // Alice (not restarted: same salt, later counters) is heard again from bob2's start on.
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(alice.seal("friends", null, bytes("a"), restart - 1), restart + 10)));
    assertInstanceOf(Keyring.Opened.Ok.class, bob2.open(alice.seal("friends", null, bytes("b"), restart), restart + 10));
  }

  @Test
  void aDatagramSentInTheSecondAKeyringWasMadeInOpensAfterItWasMade() {
    long second = 1_780_000_000_000L;
    long made = second + 700; // bob starts 700 ms into a second
    Keyring<String> alice = new Keyring<>(random, second, id("alice"));
    Keyring<String> bob = new Keyring<>(random, made, id("bob"));
    alice.install("friends", 1, key(epoch1), second);
    bob.install("friends", 1, key(epoch1), made);
    byte[] before = alice.seal("friends", null, bytes("before"), made - 1);
    byte[] after = alice.seal("friends", null, bytes("after"), made + 1);
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(after, made + 2), "sent after bob started, in his first second");
    assertEquals(SealDrop.STALE_TIME, dropped(bob.open(before, made + 3)), "sent before bob started");
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(after, made + 4)));
  }

  @Test
  void theSendTimeIsReadNearTheReceiversClockAcrossTheWrapOfItsLow32Bits() {
    long wrap = 1L << 41; // low 32 bits roll over from 0xFFFFFFFF to 0 here
    for (long sent : new long[] {wrap - 2, wrap - 1, wrap, wrap + 1}) {
      for (long now : new long[] {wrap - 3_000, wrap, wrap + 3_000}) {
        assertEquals(sent, Keyring.sentMs((int) sent, now), sent + " read at " + now);
      }
    }
    Keyring<String> alice = new Keyring<>(random, wrap - 10_000, id("alice"));
    Keyring<String> bob = new Keyring<>(random, wrap - 10_000, id("bob"));
    alice.install("friends", 1, key(epoch1), wrap - 10_000);
    bob.install("friends", 1, key(epoch1), wrap - 10_000);
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", null, bytes("a"), wrap - 1), wrap + 1_000));
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", null, bytes("b"), wrap + 1_000), wrap - 1));
  }

  @Test
  void aDatagramFromOutsideTheClockWindowDoesNotOpen() {
    long t0 = 1_780_000_000_000L;
    Keyring<String> alice = new Keyring<>(random, t0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, t0, id("bob"));
    alice.install("friends", 1, key(epoch1), t0);
    bob.install("friends", 1, key(epoch1), t0);
    long skew = Keyring.MAX_SKEW_S * 1000;
    long now = t0 + 2 * skew;
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", null, bytes("a"), now - skew), now));
    assertEquals(SealDrop.STALE_TIME, dropped(bob.open(alice.seal("friends", null, bytes("b"), now - skew - 1_000), now)));
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", null, bytes("c"), now + skew), now));
    assertEquals(SealDrop.STALE_TIME, dropped(bob.open(alice.seal("friends", null, bytes("d"), now + skew + 1_000), now)));
  }

  @Test
  void aReplacedKeyCarriesARosterOrACatchUpOnly() {
    for (byte kind : new byte[] {Payloads.DHT, Payloads.QUIC, Payloads.ROSTER, Payloads.CATCHUP, Payloads.CATCHUP_COOKIE}) {
      assertEquals(true, Payloads.taken(Keyring.Standing.CURRENT, kind));
      assertEquals(kind == Payloads.ROSTER || kind == Payloads.CATCHUP || kind == Payloads.CATCHUP_COOKIE,
          Payloads.taken(Keyring.Standing.OVERLAP, kind));
      assertEquals(kind == Payloads.CATCHUP, Payloads.taken(Keyring.Standing.RETIRED, kind));
    }
  }

  @Test
  void aDatagramSealedForBobDoesNotOpenAtCarol() {
    long t0 = 1_780_000_000_000L;
    Keyring<String> alice = new Keyring<>(random, t0, id("alice"));
    Keyring<String> bob = new Keyring<>(random, t0, id("bob"));
    Keyring<String> carol = new Keyring<>(random, t0, id("carol"));
    for (Keyring<String> k : List.of(alice, bob, carol)) {
      k.install("friends", 1, key(epoch1), t0);
    }
    byte[] forBob = alice.seal("friends", id("bob"), bytes("hello"), t0 + 5_000);
    // Captured on its way to Bob and replayed to Carol, who has not seen Alice's counter: dropped.
    assertEquals(SealDrop.OTHER_RECEIVER, dropped(carol.open(forBob, t0 + 5_100)));
    assertEquals(1L, carol.drops().get(SealDrop.OTHER_RECEIVER));
    Keyring.Opened.Ok<?> ok = assertInstanceOf(Keyring.Opened.Ok.class, bob.open(forBob, t0 + 5_200));
    assertArrayEquals(bytes("hello"), ok.plaintext());
    assertEquals(true, ok.bound());
    // The receiver tag rewritten to Carol's, or to "anyone": the full id is authenticated.
    byte[] toCarol = forBob.clone();
    ByteBuffer.wrap(toCarol).putInt(Keyring.HEADER - 4, Keyring.receiverTag(id("carol")));
    assertEquals(SealDrop.BAD_TAG, dropped(carol.open(toCarol, t0 + 5_300)));
    byte[] toAnyone = forBob.clone();
    ByteBuffer.wrap(toAnyone).putInt(Keyring.HEADER - 4, Keyring.ANYONE);
    assertEquals(SealDrop.BAD_TAG, dropped(carol.open(toAnyone, t0 + 5_400)));
    // Sealed for anyone holding the key (the sender does not know who is at the address): opens at either.
    byte[] anyone = alice.seal("friends", null, bytes("hi"), t0 + 6_000);
    assertEquals(false, ((Keyring.Opened.Ok<?>) assertInstanceOf(Keyring.Opened.Ok.class, carol.open(anyone, t0 + 6_100))).bound());
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(anyone, t0 + 6_100));
  }
}
