package dev.wormholes.networks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
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

  private static <T> SealDrop dropped(Keyring.Opened<T> o) {
    return assertInstanceOf(Keyring.Opened.Dropped.class, o, () -> o.toString()).reason();
  }

  @Test
  void aSealedDatagramOpensOnceAtItsNetwork() {
    Keyring<String> alice = new Keyring<>(random, 0);
    Keyring<String> bob = new Keyring<>(random, 0);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    bob.install("work", 1, key(secret()), 0);
    byte[] d = alice.seal("friends", bytes("hello"), 1_000);
    assertEquals(Keyring.OVERHEAD + 5, d.length);
    Keyring.Opened.Ok<?> ok = assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 10));
    assertEquals("friends", ok.owner());
    assertArrayEquals(bytes("hello"), ok.plaintext());
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(d, 20)));
    assertEquals(1L, bob.drops().get(SealDrop.REPLAYED));
  }

  @Test
  void outsidersGarbageAndForgeriesAreDroppedAndCounted() {
    Keyring<String> alice = new Keyring<>(random, 0);
    Keyring<String> bob = new Keyring<>(random, 0);
    Keyring<String> mallory = new Keyring<>(random, 0);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    mallory.install("friends", 1, key(secret()), 0);
    assertEquals(SealDrop.UNKNOWN_KEY, dropped(bob.open(mallory.seal("friends", bytes("hi"), 1_000), 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[] {0x10, 1, 2}, 0)));
    assertEquals(SealDrop.MALFORMED, dropped(bob.open(new byte[64], 0)));
    byte[] d = alice.seal("friends", bytes("hello"), 1_000);
    d[d.length - 1] ^= 1;
    assertEquals(SealDrop.BAD_TAG, dropped(bob.open(d, 0)));
    d[d.length - 1] ^= 1;
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(d, 0), "a forgery does not burn the nonce");
  }

  @Test
  void aReplacedKeyOpensMarkedOverlapThenRetired() {
    Keyring<String> alice = new Keyring<>(random, 0);
    Keyring<String> bob = new Keyring<>(random, 0);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    byte[] late1 = alice.seal("friends", bytes("a"), 1_000);
    byte[] late2 = alice.seal("friends", bytes("b"), 1_000);
    bob.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, bob.epoch("friends").orElseThrow());
    Keyring.Opened.Ok<?> inOverlap = (Keyring.Opened.Ok<?>) bob.open(late1, 1_000 + Keyring.OVERLAP_MS - 1);
    assertEquals(1L, inOverlap.epoch());
    assertEquals(Keyring.Standing.OVERLAP, inOverlap.standing());
    Keyring.Opened.Ok<?> after = (Keyring.Opened.Ok<?>) bob.open(late2, 1_000 + Keyring.OVERLAP_MS);
    assertEquals(Keyring.Standing.RETIRED, after.standing());
    // An answer under the retired key opens at the sender, which still holds it as its current key.
    Keyring.Opened.Ok<?> answer = (Keyring.Opened.Ok<?>) alice.open(bob.sealWith(after.keyId(), bytes("r"), 2_000), 2_000);
    assertEquals(Keyring.Standing.CURRENT, answer.standing());
    alice.install("friends", 2, key(epoch2), 1_000);
    assertEquals(2L, ((Keyring.Opened.Ok<?>) bob.open(alice.seal("friends", bytes("c"), 1_000), 200_000)).epoch());
  }

  @Test
  void onlyTheNewestReplacedKeysAreKept() {
    Keyring<String> alice = new Keyring<>(random, 0);
    Keyring<String> bob = new Keyring<>(random, 0);
    alice.install("friends", 1, key(epoch1), 0);
    bob.install("friends", 1, key(epoch1), 0);
    byte[] first = alice.seal("friends", bytes("a"), 1_000);
    for (int e = 2; e <= Keyring.MAX_KEPT + 2; e++) {
      bob.install("friends", e, key(secret()), 0);
    }
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(first, 2_000)));
  }

  @Test
  void aRestartedNodeKeepsItsEarlierKeysRetired() {
    Keyring<String> carol = new Keyring<>(random, 0);
    carol.install("friends", 1, key(epoch1), 0);
    byte[] ask = carol.seal("friends", bytes("q"), 5_000);
    Keyring<String> alice = new Keyring<>(random, 1_000); // restarted, at epoch 2
    alice.install("friends", 2, key(epoch2), 1_000);
    assertEquals(SealDrop.UNKNOWN_KEY, dropped(alice.open(ask, 5_000)));
    alice.keepRetired("friends", 1, key(epoch1));
    alice.keepRetired("friends", 2, key(epoch2)); // the current key: nothing changes
    Keyring.Opened.Ok<?> o = (Keyring.Opened.Ok<?>) alice.open(ask, 5_010);
    assertEquals(Keyring.Standing.RETIRED, o.standing());
    assertEquals(Keyring.Standing.CURRENT,
        ((Keyring.Opened.Ok<?>) carol.open(alice.sealWith(o.keyId(), bytes("r"), 6_000), 6_000)).standing());
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
    Keyring<String> alice = new Keyring<>(random, 0);
    Keyring<String> bob = new Keyring<>(random, 0);
    alice.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    bob.install("join", 0, SealKey.of(epoch1, SealKey.Use.INVITE), 0);
    byte[] d = alice.seal("join", bytes("x"), 1_000);
    bob.remove("join");
    assertEquals(SealDrop.STALE_EPOCH, dropped(bob.open(d, 0)));
  }

  @Test
  void aDatagramCapturedBeforeARestartDoesNotOpenAfterIt() {
    long t0 = 1_780_000_000_000L; // wall clock, ms
    Keyring<String> alice = new Keyring<>(random, t0);
    Keyring<String> bob = new Keyring<>(random, t0);
    alice.install("friends", 1, key(epoch1), t0);
    bob.install("friends", 1, key(epoch1), t0);
    byte[] captured = alice.seal("friends", bytes("ping"), t0 + 5_000);
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(captured, t0 + 5_010));
    assertEquals(SealDrop.REPLAYED, dropped(bob.open(captured, t0 + 5_020)));

    // Bob restarts: a new keyring, the same epoch key, empty replay windows.
    long restart = t0 + 9_000;
    Keyring<String> bob2 = new Keyring<>(random, restart);
    bob2.install("friends", 1, key(epoch1), restart);
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(captured, restart + 10)));
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(captured, restart + 60_000)));
    // Alice (not restarted: same salt, later counters) is heard again from the next second on.
    assertEquals(SealDrop.STALE_TIME, dropped(bob2.open(alice.seal("friends", bytes("a"), restart + 500), restart + 510)));
    assertInstanceOf(Keyring.Opened.Ok.class, bob2.open(alice.seal("friends", bytes("b"), restart + 1_000), restart + 1_010));
  }

  @Test
  void aDatagramFromOutsideTheClockWindowDoesNotOpen() {
    long t0 = 1_780_000_000_000L;
    Keyring<String> alice = new Keyring<>(random, t0);
    Keyring<String> bob = new Keyring<>(random, t0);
    alice.install("friends", 1, key(epoch1), t0);
    bob.install("friends", 1, key(epoch1), t0);
    long skew = Keyring.MAX_SKEW_S * 1000;
    long now = t0 + 2 * skew;
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", bytes("a"), now - skew), now));
    assertEquals(SealDrop.STALE_TIME, dropped(bob.open(alice.seal("friends", bytes("b"), now - skew - 1_000), now)));
    assertInstanceOf(Keyring.Opened.Ok.class, bob.open(alice.seal("friends", bytes("c"), now + skew), now));
    assertEquals(SealDrop.STALE_TIME, dropped(bob.open(alice.seal("friends", bytes("d"), now + skew + 1_000), now)));
  }

  @Test
  void aReplacedKeyCarriesARosterOrACatchUpOnly() {
    for (byte kind : new byte[] {Payloads.DHT, Payloads.QUIC, Payloads.ROSTER, Payloads.CATCHUP}) {
      assertEquals(true, Payloads.taken(Keyring.Standing.CURRENT, kind));
      assertEquals(kind == Payloads.ROSTER || kind == Payloads.CATCHUP, Payloads.taken(Keyring.Standing.OVERLAP, kind));
      assertEquals(kind == Payloads.CATCHUP, Payloads.taken(Keyring.Standing.RETIRED, kind));
    }
  }
}
