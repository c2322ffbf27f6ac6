package dev.wormholes.dht;

import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Kademlia k-buckets (Maymounkov and Mazieres, section 2.2), indexed by the length of the prefix a
 * contact's id shares with ours: bucket {@code i} holds ids whose first differing bit is bit
 * {@code i}. Pure data structure: it never sends anything, it tells the engine whom to ping.
 *
 * <p>Invariants (checked by {@code RoutingTablePropertiesTest}):
 *
 * <ul>
 *   <li>every bucket holds at most k contacts, each in the bucket of its prefix length;
 *   <li>no id appears twice (in a bucket or across bucket and replacement cache), and our own id
 *       never appears;
 *   <li>within a bucket contacts are in least-recently-seen order: index 0 is the least recent;
 *   <li>a contact leaves a bucket only after a request to it failed (the eviction ping of {@link
 *       #offer} or an RPC: {@link #evictionResult}, {@link #onFailure}), and then only after
 *       {@code maxFailures} consecutive failures, or after one when a replacement that answered is
 *       waiting for its slot (libtorrent's and mainline DHT's rule); any answer resets the count;
 *       or when it said it cannot be reached unsolicited ({@link #remove}, BEP 43).
 * </ul>
 *
 * <p>Memory: buckets are allocated only up to the deepest one used, contact arrays grow from 4 to
 * k, replacement caches are allocated on first use; contacts are references only, plus one byte
 * per contact for its consecutive-failure count.
 */
final class RoutingTable {
  /** Default of {@link DhtConfig#maxFailures()}. */
  static final int MAX_FAILURES = 3;

  private static final class Bucket {
    Contact[] contacts = new Contact[4];
    byte[] failures = new byte[4];
    // A 16-bit fingerprint of prefixOf(contacts[i]'s address), kept beside it so that counting a
    // prefix reads a contact's address only when its fingerprint matches.
    short[] prefixes = new short[4];
    int size;
    // Newest last; null until the bucket first overflows.
    Contact[] replacements;
    int replacementCount;
    // The least-recently-seen contact being pinged before a newcomer may replace it, or null.
    Contact pinging;
    long lastLookup;

    int indexOf(NodeId id) {
      for (int i = 0; i < size; i++) {
        if (contacts[i].id().equals(id)) return i;
      }
      return -1;
    }

    void removeAt(int i) {
      System.arraycopy(contacts, i + 1, contacts, i, size - i - 1);
      System.arraycopy(failures, i + 1, failures, i, size - i - 1);
      System.arraycopy(prefixes, i + 1, prefixes, i, size - i - 1);
      contacts[--size] = null;
    }

    // Append c, whose address has the given prefixOf.
    void append(Contact c, long prefix, int k) {
      if (size == contacts.length) {
        int cap = Math.min(k, size * 2);
        contacts = Arrays.copyOf(contacts, cap);
        failures = Arrays.copyOf(failures, cap);
        prefixes = Arrays.copyOf(prefixes, cap);
      }
      contacts[size] = c;
      prefixes[size] = fingerprint(prefix);
      failures[size++] = 0;
    }

    void moveToTail(int i) {
      Contact c = contacts[i];
      short prefix = prefixes[i];
      removeAt(i);
      contacts[size] = c;
      prefixes[size] = prefix;
      failures[size++] = 0;
    }

    // How many contacts have this prefixOf.
    int countPrefix(long prefix) {
      short fp = fingerprint(prefix);
      int n = 0;
      for (int i = 0; i < size; i++) {
        if (prefixes[i] == fp && prefixOf(contacts[i].address().getAddress()) == prefix) n++;
      }
      return n;
    }

    private static short fingerprint(long prefix) {
      return (short) (prefix ^ (prefix >>> 16) ^ (prefix >>> 32) ^ (prefix >>> 48));
    }

    int replacementIndex(NodeId id) {
      for (int i = 0; i < replacementCount; i++) {
        if (replacements[i].id().equals(id)) return i;
      }
      return -1;
    }

    void removeReplacement(int i) {
      System.arraycopy(replacements, i + 1, replacements, i, replacementCount - i - 1);
      replacements[--replacementCount] = null;
    }

    Contact popNewestReplacement() {
      if (replacementCount == 0) return null;
      Contact c = replacements[--replacementCount];
      replacements[replacementCount] = null;
      return c;
    }
  }

  private final NodeId self;
  private final int k;
  private final int replacementSize;
  private final int maxFailures;
  // Contacts of one address prefix (IPv4 /24, IPv6 /64) per bucket and per table; 0 = no limit.
  private int maxPerPrefixPerBucket;
  private int maxPerPrefixInTable;
  private Bucket[] buckets = new Bucket[0];
  private int count;

  RoutingTable(NodeId self, int k, int replacementSize) {
    this(self, k, replacementSize, MAX_FAILURES);
  }

  RoutingTable(NodeId self, int k, int replacementSize, int maxFailures) {
    this.self = self;
    this.k = k;
    this.replacementSize = replacementSize;
    this.maxFailures = maxFailures;
  }

  /**
   * Limit the contacts of one address prefix (IPv4 /24, IPv6 /64; loopback exempt) to {@code
   * perBucket} in a bucket and {@code perTable} in the table, as discv5 and BEP 42 do, so that one
   * host or subnet cannot fill a bucket or surround our id however many ids it makes; 0 disables.
   */
  void limitPrefixes(int perBucket, int perTable) {
    this.maxPerPrefixPerBucket = perBucket;
    this.maxPerPrefixInTable = perTable;
  }

  /** Return the bucket index of {@code id}: the length of its common prefix with ours (256 for ours). */
  int bucketIndex(NodeId id) {
    return self.commonPrefixLength(id);
  }

  /** Return the number of contacts in all buckets. */
  int size() {
    return count;
  }

  /** Return one more than the deepest bucket index in use (0 when empty). */
  int bucketCount() {
    return buckets.length;
  }

  /** Return the contacts of bucket {@code index}, least recently seen first. */
  List<Contact> bucket(int index) {
    Bucket b = index < buckets.length ? buckets[index] : null;
    return b == null ? List.of() : List.of(Arrays.copyOf(b.contacts, b.size));
  }

  /** Return the replacement candidates of bucket {@code index}, oldest first. */
  List<Contact> replacements(int index) {
    Bucket b = index < buckets.length ? buckets[index] : null;
    return b == null || b.replacements == null ? List.of() : List.of(Arrays.copyOf(b.replacements, b.replacementCount));
  }

  /** Return the contact whose eviction ping is outstanding in bucket {@code index}, or null. */
  Contact pinging(int index) {
    Bucket b = index < buckets.length ? buckets[index] : null;
    return b == null ? null : b.pinging;
  }

  /** Return the contact with id {@code id} in a bucket, or null. */
  Contact find(NodeId id) {
    int i = bucketIndex(id);
    Bucket b = i < buckets.length ? buckets[i] : null;
    if (b == null) return null;
    int j = b.indexOf(id);
    return j < 0 ? null : b.contacts[j];
  }

  /**
   * Return the consecutive failures counted against the contact {@code id} since it last answered,
   * or -1 if it is not in a bucket. The engine keeps this value with each request it sends.
   */
  int failures(NodeId id) {
    int i = bucketIndex(id);
    Bucket b = i < buckets.length ? buckets[i] : null;
    int j = b == null ? -1 : b.indexOf(id);
    return j < 0 ? -1 : b.failures[j];
  }

  /**
   * Return whether a contact with {@code id} would enter the table without evicting anyone: it is
   * not our own id and its bucket has room. A requester in a full bucket is not pinged back (BEP 5:
   * a bucket of live contacts discards newcomers), which also stops ping-back chains: our answer
   * would otherwise make the pinger ping its own oldest contact, which pings back, and so on.
   */
  boolean hasRoom(NodeId id) {
    int i = bucketIndex(id);
    if (i == NodeId.BITS) return false;
    Bucket b = i < buckets.length ? buckets[i] : null;
    return b == null || b.size < k;
  }

  /**
   * Return whether a contact with {@code id} could enter the table now: not our id, and its bucket
   * has room or room in its replacement cache. The engine asks a key proof only of such contacts
   * (a proof costs the prover a signature and us a verification).
   */
  boolean couldAdmit(NodeId id) {
    int i = bucketIndex(id);
    if (i == NodeId.BITS) return false;
    Bucket b = i < buckets.length ? buckets[i] : null;
    return b == null || b.size < k || (replacementSize > 0 && b.replacementCount < replacementSize);
  }

  /**
   * Return whether {@code id} waits in its bucket's replacement cache at {@code address}: it
   * entered with a key proof from that address (or a trusted source named it), so asking for
   * another only costs it a signature and us a verification. An answer from there refreshes it
   * like a bucket contact's ({@link #offer}).
   */
  boolean isReplacement(NodeId id, InetSocketAddress address) {
    int i = bucketIndex(id);
    Bucket b = i < buckets.length ? buckets[i] : null;
    if (b == null || b.replacements == null) return false;
    int r = b.replacementIndex(id);
    return r >= 0 && b.replacements[r].address().equals(address);
  }

  /**
   * Record that {@code c} is alive (it answered us, or a trusted source named it). If known, mark it
   * most recently seen; if its bucket has room, insert it; if the bucket is full, keep it as a
   * replacement candidate and return the least-recently-seen contact that the engine must ping
   * before anything is evicted (null if no ping is needed: one is already outstanding). A contact
   * whose id is known at another address is ignored: the first address stays until it fails.
   */
  Contact offer(Contact c) {
    int i = bucketIndex(c.id());
    if (i == NodeId.BITS) return null;
    Bucket b = bucketFor(i);
    int j = b.indexOf(c.id());
    if (j >= 0) {
      if (b.contacts[j].address().equals(c.address())) b.moveToTail(j);
      return null;
    }
    long prefix = prefixOf(c.address().getAddress());
    if (!prefixAllowed(b, prefix)) return null;
    if (b.size < k) {
      dropReplacement(b, c.id());
      b.append(c, prefix, k);
      count++;
      return null;
    }
    addReplacement(b, c);
    if (b.pinging != null || replacementSize == 0) return null;
    b.pinging = b.contacts[0];
    return b.pinging;
  }

  /**
   * Record the outcome of the eviction ping of {@code head}: alive moves it to most recently seen;
   * dead counts a failure, after which it leaves if a replacement is waiting (the newcomer that
   * caused the ping, unless it failed since) or it has failed {@code maxFailures} times. Return the
   * contact promoted in its place, or null.
   */
  Contact evictionResult(Contact head, boolean alive) {
    int i = bucketIndex(head.id());
    Bucket b = i < buckets.length ? buckets[i] : null;
    if (b == null || b.pinging == null || !b.pinging.id().equals(head.id())) return null;
    b.pinging = null;
    int j = b.indexOf(head.id());
    if (j < 0) return null;
    if (alive) {
      b.moveToTail(j);
      return null;
    }
    if (b.failures[j] < Byte.MAX_VALUE) b.failures[j]++;
    if (b.replacementCount == 0 && b.failures[j] < maxFailures) return null;
    return removeAndPromote(b, j);
  }

  /**
   * Record that a request to {@code id} failed (timed out, or someone else answered at its
   * address). {@code failuresAtSend} is {@link #failures} when the request was sent: the failure
   * counts only if no other failure or answer was recorded since, so that requests sent together
   * and lost together (a burst, a full socket buffer) count once. A counted failure removes the
   * contact if a replacement is waiting or it reaches {@code maxFailures}; a failed replacement
   * candidate is dropped. Return whether a bucket contact left.
   */
  boolean onFailure(NodeId id, int failuresAtSend) {
    int i = bucketIndex(id);
    Bucket b = i < buckets.length ? buckets[i] : null;
    if (b == null) return false;
    int j = b.indexOf(id);
    if (j < 0) {
      int r = b.replacementIndex(id);
      if (r >= 0) b.removeReplacement(r);
      return false;
    }
    if (b.failures[j] != failuresAtSend) return false;
    if (b.failures[j] < Byte.MAX_VALUE) b.failures[j]++;
    if (b.replacementCount == 0 && b.failures[j] < maxFailures) return false;
    if (b.pinging != null && b.pinging.id().equals(b.contacts[j].id())) b.pinging = null;
    removeAndPromote(b, j);
    return true;
  }

  /**
   * Remove {@code c} (same id and address) from its bucket or replacement cache: it told us it
   * cannot be reached unsolicited (a read-only request). A waiting replacement takes a freed bucket
   * slot. Return whether a bucket contact left.
   */
  boolean remove(Contact c) {
    int i = bucketIndex(c.id());
    Bucket b = i < buckets.length ? buckets[i] : null;
    if (b == null) return false;
    int j = b.indexOf(c.id());
    if (j < 0) {
      int r = b.replacementIndex(c.id());
      if (r >= 0 && b.replacements[r].address().equals(c.address())) b.removeReplacement(r);
      return false;
    }
    if (!b.contacts[j].address().equals(c.address())) return false;
    if (b.pinging != null && b.pinging.id().equals(c.id())) b.pinging = null;
    removeAndPromote(b, j);
    return true;
  }

  private Contact removeAndPromote(Bucket b, int j) {
    b.removeAt(j);
    count--;
    for (Contact promoted = b.popNewestReplacement(); promoted != null; promoted = b.popNewestReplacement()) {
      long prefix = prefixOf(promoted.address().getAddress());
      if (!prefixAllowed(b, prefix)) continue; // its prefix filled up while it waited
      b.append(promoted, prefix, k);
      count++;
      return promoted;
    }
    return null;
  }

  // Whether one more contact of this prefix fits in bucket b and in the table.
  private boolean prefixAllowed(Bucket b, long prefix) {
    if (maxPerPrefixPerBucket == 0 && maxPerPrefixInTable == 0) return true;
    if (prefix == 0) return true;
    if (maxPerPrefixPerBucket > 0 && b.countPrefix(prefix) >= maxPerPrefixPerBucket) return false;
    if (maxPerPrefixInTable > 0) {
      int n = 0;
      for (Bucket x : buckets) {
        if (x != null) n += x.countPrefix(prefix);
      }
      if (n >= maxPerPrefixInTable) return false;
    }
    return true;
  }

  /**
   * Return the limited prefix of {@code a} as a number: its IPv4 /24 (tagged so it never equals an
   * IPv6 one) or its IPv6 /64; 0 for loopback addresses, which are not limited.
   */
  static long prefixOf(java.net.InetAddress a) {
    if (a.isLoopbackAddress()) return 0;
    byte[] ip = a.getAddress();
    if (ip.length == 4) return (1L << 40) | ((ip[0] & 0xFFL) << 16) | ((ip[1] & 0xFFL) << 8) | (ip[2] & 0xFFL);
    long p = 0;
    for (int i = 0; i < 8; i++) p = (p << 8) | (ip[i] & 0xFFL);
    return p == 0 ? 1 : p;
  }

  /** Return the time of the last lookup into bucket {@code index} (0 if none). */
  long lastLookup(int index) {
    return index < buckets.length && buckets[index] != null ? buckets[index].lastLookup : 0;
  }

  /** Record a lookup of {@code target} at {@code now}: its bucket needs no refresh for a while. */
  void touch(NodeId target, long now) {
    int i = bucketIndex(target);
    if (i < buckets.length && buckets[i] != null) buckets[i].lastLookup = now;
  }

  /** Return a random id that falls in bucket {@code i}: our first i bits, bit i flipped, the rest random. */
  NodeId randomIdInBucket(int i, RandomGenerator random) {
    long[] out = new long[4];
    for (int j = 0; j < 4; j++) {
      int lo = j * 64;
      long mask;
      if (i >= lo + 64) mask = -1L;
      else if (i <= lo) mask = 0;
      else mask = -1L << (64 - (i - lo));
      out[j] = (self.word(j) & mask) | (random.nextLong() & ~mask);
    }
    NodeId id = NodeId.ofWords(out[0], out[1], out[2], out[3]);
    return id.bit(i) == self.bit(i) ? id.flipBit(i) : id;
  }

  /** Return every contact in bucket order, least recently seen first within a bucket. */
  List<Contact> all() {
    List<Contact> out = new ArrayList<>(count);
    for (Bucket b : buckets) {
      if (b == null) continue;
      for (int i = 0; i < b.size; i++) out.add(b.contacts[i]);
    }
    return out;
  }

  /**
   * Return up to {@code n} contacts closest to {@code target} by XOR distance, closest first,
   * visiting only the buckets needed: with {@code c} the prefix length of target and ours, bucket
   * c holds the closest, then all deeper buckets (their distance's top bit is c), then buckets c-1,
   * c-2, ..., 0, each farther than the last.
   */
  List<Contact> closest(NodeId target, int n) {
    List<Contact> out = new ArrayList<>(Math.min(n, count));
    if (n <= 0 || count == 0) return out;
    int c = bucketIndex(target);
    List<Contact> group = new ArrayList<>();
    if (c < buckets.length) {
      addBucket(group, c);
      appendSorted(out, group, target, n);
      for (int i = c + 1; i < buckets.length; i++) addBucket(group, i);
      appendSorted(out, group, target, n);
    }
    for (int i = Math.min(c, buckets.length) - 1; i >= 0 && out.size() < n; i--) {
      addBucket(group, i);
      appendSorted(out, group, target, n);
    }
    return out;
  }

  private void addBucket(List<Contact> group, int i) {
    Bucket b = buckets[i];
    if (b == null) return;
    for (int j = 0; j < b.size; j++) group.add(b.contacts[j]);
  }

  /**
   * Append to {@code out}, nearest first, the members of {@code group} nearest {@code target}, until
   * {@code out} holds {@code n}; then empty {@code group}. A bounded insertion keeps only the ones
   * that can still make it (distinct ids have distinct distances, so this equals sorting the whole
   * group and taking its head).
   */
  private static void appendSorted(List<Contact> out, List<Contact> group, NodeId target, int n) {
    int want = Math.min(n - out.size(), group.size());
    if (want <= 0) {
      group.clear();
      return;
    }
    Contact[] best = new Contact[want];
    int size = 0;
    for (int g = 0; g < group.size(); g++) {
      Contact x = group.get(g);
      if (size == want && target.compareDistance(x.id(), best[size - 1].id()) >= 0) continue;
      int pos = size == want ? size - 1 : size++;
      while (pos > 0 && target.compareDistance(x.id(), best[pos - 1].id()) < 0) {
        best[pos] = best[pos - 1];
        pos--;
      }
      best[pos] = x;
    }
    for (int i = 0; i < size; i++) out.add(best[i]);
    group.clear();
  }

  private Bucket bucketFor(int i) {
    if (i >= buckets.length) buckets = Arrays.copyOf(buckets, i + 1);
    Bucket b = buckets[i];
    if (b == null) {
      b = new Bucket();
      buckets[i] = b;
    }
    return b;
  }

  private void addReplacement(Bucket b, Contact c) {
    if (replacementSize == 0) return;
    dropReplacement(b, c.id());
    if (b.replacements == null) b.replacements = new Contact[replacementSize];
    if (b.replacementCount == replacementSize) b.removeReplacement(0);
    b.replacements[b.replacementCount++] = c;
  }

  private static void dropReplacement(Bucket b, NodeId id) {
    if (b.replacements == null) return;
    int r = b.replacementIndex(id);
    if (r >= 0) b.removeReplacement(r);
  }
}
