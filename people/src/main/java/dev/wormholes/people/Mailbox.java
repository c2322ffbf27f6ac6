package dev.wormholes.people;

import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A mailbox this node holds for friends who named it (offline delivery of whispers), on handed-in
 * Unix milliseconds. Blobs are opaque (whispers sealed to the owner's persona key): the holder sees
 * only their sizes, their owner and the sending device. A deposit is taken only from a device of
 * the holder's accepted contact, only for an owner whose record names this holder as a mailbox,
 * and within the limits: {@link #MAX_BLOB} bytes, {@link #PER_SENDER} blobs per sending device
 * and owner, {@link #PER_OWNER} per owner, {@link #MAX_OWNERS} owners. A blob already held (same
 * owner and bytes) is acknowledged again without being charged. Blobs expire {@link #TTL_MS} after
 * their deposit. Only a device of the owner's persona fetches (the oldest {@link #FETCH_BATCH}
 * first) and acknowledges; an acknowledgement deletes. Refusals are counted by reason ({@link
 * #refused()}, lower case); blobs that left (acknowledged or expired) are handed to the driver by
 * {@link #pollRemoved()} so it deletes their stored copies. Not thread-safe.
 *
 * <p>The sender's side: {@link #depositTo} says when a waiting whisper goes to mailboxes, {@link
 * Visits} when the owner fetches.
 */
public final class Mailbox {
  /** Largest blob. */
  public static final int MAX_BLOB = 2048;
  /** Blobs held from one sending device for one owner at most. */
  public static final int PER_SENDER = 32;
  /** Blobs held for one owner at most. */
  public static final int PER_OWNER = 128;
  /** Owners held for at most. */
  public static final int MAX_OWNERS = 64;
  /** How long a blob is held. */
  public static final long TTL_MS = 7L * 24 * 3600_000;
  /** Blobs handed out by one fetch at most (the owner fetches again after acknowledging). */
  public static final int FETCH_BATCH = 32;
  /** Mailboxes a person names at most. */
  public static final int MAX_NAMED = 3;
  /** Failed direct attempts after which a waiting whisper is also deposited with the recipient's mailboxes. */
  public static final int DEPOSIT_AFTER_FAILURES = 3;

  /** The decision on one deposit. */
  public enum Verdict {
    /** Held now. */
    STORED,
    /** Held already: acknowledged, not charged. */
    HELD,
    NOT_CONTACT, NOT_NAMED, TOO_LARGE, SENDER_FULL, OWNER_FULL, OWNERS_FULL;

    /** Return whether the blob is held now. */
    public boolean held() {
      return this == STORED || this == HELD;
    }

    /** Return the verdict whose wire byte is {@code b} (an unknown byte reads as {@link #TOO_LARGE}). */
    public static Verdict of(int b) {
      return b >= 0 && b < values().length ? values()[b] : TOO_LARGE;
    }
  }

  /**
   * One held blob.
   *
   * @param id its id (hex of the first 16 bytes of SHA-256 over owner and blob)
   * @param owner whom it is for
   * @param sender the device that deposited it
   * @param blob the bytes
   * @param depositedAtMs when
   */
  public record Item(String id, PersonaId owner, NodeId sender, byte[] blob, long depositedAtMs) {}

  // Owner to its blobs by id, oldest first.
  private final Map<PersonaId, LinkedHashMap<String, Item>> boxes = new HashMap<>();
  private final TreeMap<String, Long> refused = new TreeMap<>();
  private final List<Item> removed = new ArrayList<>();

  /** Return the id a blob for {@code owner} is held under. */
  public static String idOf(PersonaId owner, byte[] blob) {
    byte[] h = Identity.sha256(owner.value().toBytes(), blob);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      s.append(String.format(Locale.ROOT, "%02x", h[i]));
    }
    return s.toString();
  }

  /**
   * Decide on {@code blob} for {@code owner} from the proven device {@code sender} at {@code nowMs};
   * {@code senderIsContact}: {@code sender} is a device of an accepted contact of this holder;
   * {@code ownerNamedHolder}: the last record of {@code owner} this holder saw names it.
   */
  public Verdict deposit(PersonaId owner, NodeId sender, boolean senderIsContact, boolean ownerNamedHolder,
      byte[] blob, long nowMs) {
    expire(nowMs);
    Verdict v;
    LinkedHashMap<String, Item> box = boxes.get(owner);
    String id = idOf(owner, blob);
    if (!senderIsContact) {
      v = Verdict.NOT_CONTACT;
    } else if (!ownerNamedHolder) {
      v = Verdict.NOT_NAMED;
    } else if (blob.length == 0 || blob.length > MAX_BLOB) {
      v = Verdict.TOO_LARGE;
    } else if (box != null && box.containsKey(id)) {
      return Verdict.HELD;
    } else if (box == null && boxes.size() >= MAX_OWNERS) {
      v = Verdict.OWNERS_FULL;
    } else if (box != null && box.size() >= PER_OWNER) {
      v = Verdict.OWNER_FULL;
    } else if (box != null && box.values().stream().filter(i -> i.sender().equals(sender)).count() >= PER_SENDER) {
      v = Verdict.SENDER_FULL;
    } else {
      boxes.computeIfAbsent(owner, k -> new LinkedHashMap<>()).put(id, new Item(id, owner, sender, blob.clone(), nowMs));
      return Verdict.STORED;
    }
    count(v.name());
    return v;
  }

  /** Hold {@code item} again as loaded from the store (after a restart); false if it is over a limit or expired at {@code nowMs}. */
  public boolean restore(Item item, long nowMs) {
    LinkedHashMap<String, Item> box = boxes.get(item.owner());
    if (nowMs - item.depositedAtMs() >= TTL_MS || item.blob().length == 0 || item.blob().length > MAX_BLOB
        || !item.id().equals(idOf(item.owner(), item.blob()))
        || (box == null ? boxes.size() >= MAX_OWNERS : box.size() >= PER_OWNER)) {
      return false;
    }
    boxes.computeIfAbsent(item.owner(), k -> new LinkedHashMap<>()).put(item.id(), item);
    return true;
  }

  /**
   * Return the oldest {@link #FETCH_BATCH} blobs for {@code owner} at {@code nowMs}, or empty (and
   * count {@code not_owner}) when the asking device is not a device of that persona ({@code
   * deviceOfOwner}, as this holder's copy of the owner's key log says).
   */
  public Optional<List<Item>> fetch(PersonaId owner, boolean deviceOfOwner, long nowMs) {
    if (!deviceOfOwner) {
      count("not_owner");
      return Optional.empty();
    }
    expire(nowMs);
    LinkedHashMap<String, Item> box = boxes.get(owner);
    return Optional.of(box == null ? List.of() : box.values().stream().limit(FETCH_BATCH).toList());
  }

  /** Delete the blobs {@code ids} of {@code owner}; return how many there were, or -1 (counted) when the device is not the owner's. */
  public int ack(PersonaId owner, boolean deviceOfOwner, Collection<String> ids) {
    if (!deviceOfOwner) {
      count("not_owner");
      return -1;
    }
    LinkedHashMap<String, Item> box = boxes.get(owner);
    int n = 0;
    for (String id : new HashSet<>(ids)) {
      Item i = box == null ? null : box.remove(id);
      if (i != null) {
        removed.add(i);
        n++;
      }
    }
    if (box != null && box.isEmpty()) {
      boxes.remove(owner);
    }
    return n;
  }

  /** Drop the blobs whose time ran out at {@code nowMs}. */
  public void expire(long nowMs) {
    boxes.values().removeIf(box -> {
      box.values().removeIf(i -> {
        boolean old = nowMs - i.depositedAtMs() >= TTL_MS;
        if (old) {
          removed.add(i);
        }
        return old;
      });
      return box.isEmpty();
    });
  }

  /** Return (and forget) the blobs that left since the last call, so their stored copies go too. */
  public List<Item> pollRemoved() {
    List<Item> out = List.copyOf(removed);
    removed.clear();
    return out;
  }

  /** Return how many blobs are held. */
  public int held() {
    return boxes.values().stream().mapToInt(Map::size).sum();
  }

  /** Return the blobs held for each owner. */
  public Map<PersonaId, Integer> heldByOwner() {
    Map<PersonaId, Integer> out = new HashMap<>();
    boxes.forEach((o, b) -> out.put(o, b.size()));
    return out;
  }

  /** Return the refusals counted so far, by reason. */
  public Map<String, Long> refused() {
    return Map.copyOf(refused);
  }

  private void count(String reason) {
    refused.merge(reason.toLowerCase(Locale.ROOT), 1L, Long::sum);
  }

  /**
   * Return the mailboxes a waiting whisper goes to now: after {@link #DEPOSIT_AFTER_FAILURES}
   * failed direct attempts (about 14 s on the outbox's schedule, so a recipient who is merely slow
   * gets it directly), those of the recipient's {@code named} mailboxes (first {@link #MAX_NAMED})
   * it was not deposited with yet ({@code done}), leaving out the sender's own persona ({@code
   * self}, null: none). The sender keeps retrying directly as well.
   */
  public static List<PersonaId> depositTo(List<PersonaId> named, Set<PersonaId> done, PersonaId self,
      int failedAttempts) {
    if (failedAttempts < DEPOSIT_AFTER_FAILURES) {
      return List.of();
    }
    return named.stream().limit(MAX_NAMED).distinct().filter(p -> !done.contains(p) && !p.equals(self)).toList();
  }

  /**
   * When the owner fetches from its mailboxes: at start, then every {@link #EVERY_MS}, after a
   * failed visit (a mailbox not reached) again after {@link #RETRY_MS}, and at once when the
   * named mailboxes changed. Not thread-safe.
   */
  public static final class Visits {
    /** Wait between visits that reached every mailbox. */
    public static final long EVERY_MS = 5 * 60_000;
    /** Wait after a visit that missed one. */
    public static final long RETRY_MS = 30_000;
    private long dueAtMs = Long.MIN_VALUE;
    private boolean running;

    /** Return whether a visit starts at {@code nowMs}; if so it runs until {@link #done}. */
    public boolean begin(long nowMs) {
      if (running || nowMs < dueAtMs) {
        return false;
      }
      running = true;
      return true;
    }

    /** End the running visit at {@code nowMs}; {@code reachedAll}: every mailbox answered. */
    public void done(long nowMs, boolean reachedAll) {
      running = false;
      dueAtMs = nowMs + (reachedAll ? EVERY_MS : RETRY_MS);
    }

    /** The named mailboxes changed: visit at the next chance. */
    public void namesChanged() {
      dueAtMs = Long.MIN_VALUE;
    }
  }
}
