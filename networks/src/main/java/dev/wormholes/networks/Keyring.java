package dev.wormholes.networks;

import dev.wormholes.proto.NodeId;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The sealing keys a node holds, by owner ({@code T}: a network, an invite), and the sealing and
 * opening of datagrams with them.
 *
 * <p>A sealed datagram is {@code 0x10 | key id (8) | nonce (12) | sent (4) | to (4) | AES-256-GCM
 * ciphertext | tag (16)}, the first 29 bytes authenticated as associated data. The key id finds
 * the key in one hash lookup (no trial decryption); the nonce is this keyring's random 32-bit salt
 * and a 64-bit counter, so it never repeats under one key while the keyring lives (a restarted
 * node draws a new salt); {@code sent} is the low 32 bits of the sender's clock in Unix
 * milliseconds (read as the time nearest this node's clock with those bits: {@link #sentMs}).
 * {@code to} names the
 * receiver: {@link #receiverTag} of its node id, whose full 32 bytes are authenticated too (appended
 * to the associated data, not sent), so the datagram opens only at that node; 0 is a datagram
 * sealed for whoever holds the key (the sender does not know the node id behind the address:
 * {@link Receivers}). A datagram is opened only if its key is held, it is fresh in time ({@link
 * #fresh}: sent at or after the millisecond this keyring was made in, and within {@link
 * #MAX_SKEW_S} of this node's clock),
 * it is for this node or for anyone, its (key, salt, counter) is fresh in that sender's {@link
 * ReplayWindow}, and its tag verifies; every refusal is counted by {@link SealDrop}. The time check
 * is what survives a restart: the replay windows start empty, but a datagram captured before this
 * node started was sent before it started, so it does not open. The receiver check is what keeps a
 * datagram sealed for one member from being replayed to another (whose replay window has not seen
 * it).
 *
 * <p>Epochs: {@link #install} makes a key the owner's sending key; the key it replaces still
 * opens datagrams, marked {@link Standing#OVERLAP} for {@link #OVERLAP_MS} and {@link
 * Standing#RETIRED} after, so that the driver decides what a replaced key may still carry (a
 * roster during the overlap, a catch-up request of a member who was away, however many epochs
 * ago). The {@link #MAX_KEPT} newest replaced keys of each owner are kept ({@link #keepRetired}
 * adds a restarted node's keys of earlier epochs); older ones, and every key of an owner {@link
 * #remove}d,
 * are forgotten and their ids remembered (bounded), so that late datagrams count as {@link
 * SealDrop#STALE_EPOCH}. Single-threaded; time is handed in: the wall clock in milliseconds (members'
 * clocks must agree within {@link #MAX_SKEW_S}).
 *
 * @param <T> who a key belongs to
 */
public final class Keyring<T> {
  /** First byte of a sealed datagram (QUIC's fixed bit clear; not the DHT's 0x0D, 0x0E, 0x0F). */
  public static final byte FIRST_BYTE = 0x10;
  /** Bytes before the ciphertext: first byte, key id, nonce, send time, receiver tag. */
  public static final int HEADER = 1 + 8 + 12 + 4 + 4;
  /** The receiver tag of a datagram sealed for whoever holds the key. */
  public static final int ANYONE = 0;
  /** How far a datagram's send time may be from this node's clock, either way (seconds). */
  public static final long MAX_SKEW_S = 300;
  /** Bytes a seal adds to a plaintext. */
  public static final int OVERHEAD = HEADER + 16;
  /** How long a replaced key still opens datagrams. */
  public static final long OVERLAP_MS = 60_000;
  /** Most replay windows kept (one per sender and key); the least recently used goes first. */
  public static final int MAX_WINDOWS = 4096;
  /** Most retired key ids remembered. */
  public static final int MAX_RETIRED = 1024;
  /**
   * Most replaced keys kept per owner (they still open datagrams, marked overlap or retired): as
   * many as a roster has changes, so a network's every earlier epoch key this node was granted.
   */
  public static final int MAX_KEPT = Roster.MAX_CHANGES;

  /** How current the key that opened a datagram is. */
  public enum Standing {
    /** The owner's sending key. */
    CURRENT,
    /** Replaced less than {@link #OVERLAP_MS} ago. */
    OVERLAP,
    /** Replaced longer ago. */
    RETIRED
  }

  /** The outcome of opening a datagram. */
  public sealed interface Opened<T> {
    /**
     * Opened: the plaintext, sealed with {@code owner}'s key of {@code epoch}, whose id is {@code
     * keyId} and which is {@code standing} now; {@code bound} if it was sealed for this node (else
     * for anyone holding the key).
     */
    record Ok<T>(T owner, long epoch, byte[] plaintext, Standing standing, long keyId, boolean bound)
        implements Opened<T> {}

    /** Dropped, and counted. */
    record Dropped<T>(SealDrop reason) implements Opened<T> {}
  }

  private record Entry<T>(T owner, long epoch, SealKey key, long retireAt) {}

  private record Sender(long keyId, int salt) {}

  private final Map<Long, Entry<T>> byId = new HashMap<>();
  private final Map<T, Entry<T>> current = new HashMap<>();
  private final LinkedHashMap<Long, Boolean> retired = new LinkedHashMap<>();
  private final Map<T, ArrayDeque<Long>> kept = new HashMap<>();
  private final LinkedHashMap<Sender, ReplayWindow> windows = new LinkedHashMap<>(64, 0.75f, true);
  private final EnumMap<SealDrop, Long> drops = new EnumMap<>(SealDrop.class);
  private final Cipher cipher;
  private final NodeId self;
  private final int selfTag;
  private final int salt;
  private final long startedMs;
  private long counter;
  private long opened;
  private long sealed;

  /**
   * Make an empty keyring of node {@code self} at {@code now} whose nonce salt comes from {@code
   * random} (a SecureRandom in a daemon). Datagrams sent before {@code now}, and datagrams sealed
   * for another node, never open in it.
   */
  public Keyring(RandomGenerator random, long now, NodeId self) {
    this.self = self;
    this.selfTag = receiverTag(self);
    this.salt = random.nextInt();
    this.startedMs = now;
    try {
      this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /**
   * Make {@code key} (of {@code epoch}) {@code owner}'s sending key at {@code now}; the key it
   * replaces keeps opening datagrams until {@code now + OVERLAP_MS}. Installing the current key
   * again changes nothing.
   */
  public void install(T owner, long epoch, SealKey key, long now) {
    Entry<T> old = current.get(owner);
    if (old != null && old.key.id() == key.id()) {
      return;
    }
    if (old != null) {
      keep(new Entry<>(owner, old.epoch, old.key, now + OVERLAP_MS));
    }
    Entry<T> e = new Entry<>(owner, epoch, key, Long.MAX_VALUE);
    current.put(owner, e);
    byId.put(key.id(), e);
  }

  /**
   * Hold {@code key}, a key {@code owner} used before {@code epoch} ended, as replaced and {@link
   * Standing#RETIRED} (a restarted node's earlier epoch keys, opened again from its roster); a key
   * already held changes nothing.
   */
  public void keepRetired(T owner, long epoch, SealKey key) {
    if (!byId.containsKey(key.id())) {
      keep(new Entry<>(owner, epoch, key, Long.MIN_VALUE));
    }
  }

  private void keep(Entry<T> e) {
    byId.put(e.key.id(), e);
    ArrayDeque<Long> mine = kept.computeIfAbsent(e.owner, o -> new ArrayDeque<>());
    mine.addLast(e.key.id());
    while (mine.size() > MAX_KEPT) {
      long gone = mine.removeFirst();
      if (byId.remove(gone) != null) {
        retire(gone);
      }
    }
  }

  /** Forget every key of {@code owner} at once (no overlap); their ids count as retired. */
  public void remove(T owner) {
    current.remove(owner);
    kept.remove(owner);
    for (Iterator<Entry<T>> it = byId.values().iterator(); it.hasNext(); ) {
      Entry<T> e = it.next();
      if (e.owner.equals(owner)) {
        it.remove();
        retire(e.key.id());
      }
    }
  }

  /** Return whether {@code owner} has a sending key. */
  public boolean has(T owner) {
    return current.containsKey(owner);
  }

  /** Return the epoch of {@code owner}'s sending key, if any. */
  public Optional<Long> epoch(T owner) {
    Entry<T> e = current.get(owner);
    return e == null ? Optional.empty() : Optional.of(e.epoch);
  }

  /**
   * Return {@code plaintext} sealed at {@code now} with {@code owner}'s sending key for node {@code
   * to} (null: for anyone holding the key); throw if it has none.
   */
  public byte[] seal(T owner, NodeId to, byte[] plaintext, long now) {
    Entry<T> e = current.get(owner);
    if (e == null) {
      throw new IllegalStateException("no key for " + owner);
    }
    return seal(e, to, plaintext, now);
  }

  /**
   * Return {@code plaintext} sealed at {@code now} for node {@code to} (null: anyone) with the key
   * of id {@code keyId}, current or replaced (an answer to a datagram that opened under it); throw
   * if it is not held.
   */
  public byte[] sealWith(long keyId, NodeId to, byte[] plaintext, long now) {
    Entry<T> e = byId.get(keyId);
    if (e == null) {
      throw new IllegalStateException("no key " + Long.toHexString(keyId));
    }
    return seal(e, to, plaintext, now);
  }

  private byte[] seal(Entry<T> e, NodeId to, byte[] plaintext, long now) {
    byte[] out = new byte[OVERHEAD + plaintext.length];
    ByteBuffer.wrap(out).put(FIRST_BYTE).putLong(e.key.id()).putInt(salt).putLong(counter++)
        .putInt((int) now).putInt(to == null ? ANYONE : receiverTag(to));
    try {
      cipher.init(Cipher.ENCRYPT_MODE, e.key.aes(), new GCMParameterSpec(128, out, 9, 12));
      cipher.updateAAD(out, 0, HEADER);
      if (to != null) {
        cipher.updateAAD(to.toBytes());
      }
      cipher.doFinal(plaintext, 0, plaintext.length, out, HEADER);
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException("AES-GCM refused to seal", ex);
    }
    sealed++;
    return out;
  }

  /** Open {@code datagram} at {@code now}; a refusal is counted. */
  public Opened<T> open(byte[] datagram, long now) {
    if (datagram.length < OVERHEAD || datagram[0] != FIRST_BYTE) {
      return drop(SealDrop.MALFORMED);
    }
    ByteBuffer b = ByteBuffer.wrap(datagram, 1, HEADER - 1);
    long keyId = b.getLong();
    int senderSalt = b.getInt();
    long n = b.getLong();
    long sent = sentMs(b.getInt(), now);
    int to = b.getInt();
    Entry<T> e = byId.get(keyId);
    if (e == null) {
      return drop(retired.containsKey(keyId) ? SealDrop.STALE_EPOCH : SealDrop.UNKNOWN_KEY);
    }
    if (!fresh(sent, now)) {
      return drop(SealDrop.STALE_TIME);
    }
    if (to != ANYONE && to != selfTag) {
      return drop(SealDrop.OTHER_RECEIVER);
    }
    Sender sender = new Sender(keyId, senderSalt);
    ReplayWindow w = windows.get(sender);
    if (w != null && !w.fresh(n) || n < 0) {
      return drop(SealDrop.REPLAYED);
    }
    byte[] plain;
    try {
      cipher.init(Cipher.DECRYPT_MODE, e.key.aes(), new GCMParameterSpec(128, datagram, 9, 12));
      cipher.updateAAD(datagram, 0, HEADER);
      if (to != ANYONE) {
        cipher.updateAAD(self.toBytes());
      }
      plain = cipher.doFinal(datagram, HEADER, datagram.length - HEADER);
    } catch (AEADBadTagException ex) {
      return drop(SealDrop.BAD_TAG);
    } catch (GeneralSecurityException ex) {
      return drop(SealDrop.MALFORMED);
    }
    if (w == null) {
      if (windows.size() >= MAX_WINDOWS) {
        Iterator<Sender> oldest = windows.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      w = new ReplayWindow();
      windows.put(sender, w);
    }
    w.mark(n);
    opened++;
    Standing standing = e.retireAt == Long.MAX_VALUE ? Standing.CURRENT
        : now < e.retireAt ? Standing.OVERLAP : Standing.RETIRED;
    return new Opened.Ok<>(e.owner, e.epoch, plain, standing, keyId, to != ANYONE);
  }

  /**
   * Return the 4-byte tag that names node {@code id} as a datagram's receiver: the low 32 bits of
   * the id (a SHA-256 output), never {@link #ANYONE}. It only sorts datagrams out early; the full id
   * is what is authenticated.
   */
  public static int receiverTag(NodeId id) {
    int t = (int) id.word(3);
    return t == ANYONE ? 1 : t;
  }

  /**
   * Return the send time, in Unix milliseconds, whose low 32 bits are {@code low} and which is
   * nearest {@code now} (within 2^31 ms, about 24 days, either way: far beyond {@link
   * #MAX_SKEW_S}).
   */
  static long sentMs(int low, long now) {
    return now + (low - (int) now);
  }

  /**
   * Return whether a datagram sent at {@code sent} (the sender's clock, Unix milliseconds) may
   * open at {@code now}: sent at or after the millisecond this keyring was made in, and within
   * {@link #MAX_SKEW_S} of {@code now}. A datagram this node's previous run opened was sent
   * before that run ended, so before this keyring was made (on one clock); one sent in the
   * keyring's first second, after it was made, opens. A sender whose clock is behind this node's
   * by d is not heard for d after this node starts; one whose clock is ahead by d can have its
   * datagrams of the last d before a restart replayed once after it (members' clocks agree within
   * {@link #MAX_SKEW_S}).
   */
  boolean fresh(long sent, long now) {
    return sent >= startedMs && Math.abs(sent - now) <= MAX_SKEW_S * 1000;
  }

  private void retire(long keyId) {
    retired.put(keyId, Boolean.TRUE);
    if (retired.size() > MAX_RETIRED) {
      Iterator<Long> oldest = retired.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** Count a datagram that opened but that the driver refused for {@code reason} (a replaced key's). */
  public void count(SealDrop reason) {
    drops.merge(reason, 1L, Long::sum);
  }

  private Opened<T> drop(SealDrop reason) {
    drops.merge(reason, 1L, Long::sum);
    return new Opened.Dropped<>(reason);
  }

  /** Return the drops so far by reason. */
  public Map<SealDrop, Long> drops() {
    return new EnumMap<>(drops);
  }

  /** Return the datagrams opened so far. */
  public long opened() {
    return opened;
  }

  /** Return the datagrams sealed so far. */
  public long sealed() {
    return sealed;
  }
}
