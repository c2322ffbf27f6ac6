package dev.wormholes.networks;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A member that was away while the roster changed catches up: it may hold only an epoch key the
 * others replaced, so it cannot read the new roster they gossip, and they no longer take its
 * datagrams. While its network has no contact it asks its seeds for the roster ({@link #askDue}:
 * after {@link #ASK_FIRST_MS}, then backing off to {@link #ASK_MAX_MS}), sealed with the key it
 * holds; a member that still keeps that key (current, overlap or retired: {@link Keyring}) opens
 * the request and {@link #answer}s it with the current roster sealed under the same key, so the
 * asker can read it: the roster is signed, and its grants give a member that is still listed the
 * new epoch key (sealed to that member), and give a removed member the signed notice of its
 * removal and nothing else.
 *
 * <p>A request is {@code network id (32) | requester's Ed25519 key (32) | sent, Unix ms (8) |
 * cookie (16) | signature (64)} over {@link #DOMAIN} and the first 88 bytes: the asker proves its
 * key. The roster (up to 64 KiB) goes only to an address that proved it receives there: the
 * request must echo a cookie this node gave that address ({@link Decision.Challenge}: {@link
 * AddressCookies}, an HMAC under this node's secret of the address, the requester's key and the
 * minute, taken for {@link #COOKIE_MS} to twice that; stateless, so no state grows per source). A request without a
 * valid cookie (the first of each round, or one replayed from a spoofed source: a request sealed
 * for anyone can be replayed to other members within the clock window) gets only the cookie,
 * {@link #CHALLENGE_BYTES} against the request's {@link #REQUEST_BYTES}: nothing sent to an
 * unproven address exceeds what it sent. The asker sends the request again with the cookie at
 * once, to an address it asked this round only ({@link #followUp}), so a forged challenge source
 * makes it send nothing new. Which member {@link Receivers} puts at an address is no proof: it is
 * learned from datagrams whose source a replay can spoof.
 *
 * <p>A request with a valid cookie is answered only if it is this network's, sent within {@link
 * Keyring#MAX_SKEW_S} of now, by a node that is or was a member ({@link Roster#wasMember}), at
 * most once per {@link #ANSWER_EVERY_MS} per requester and {@link #MAX_ANSWERS_PER_MINUTE} per
 * network. The budgets are checked before the signature and charged only after it holds, so a
 * request that does not verify neither costs a verification when over budget nor spends an
 * honest member's budget. Refusals are typed and counted. One per network; the cookie secret and
 * time are handed in (wall clock, ms).
 */
public final class CatchUp {
  /** Bytes of a request. */
  public static final int REQUEST_BYTES =
      NetworkId.BYTES + Identity.PUBLIC_KEY_BYTES + 8 + CatchUp.COOKIE_BYTES + Identity.SIGNATURE_BYTES;
  /** Bytes of a cookie (all zero in a request: none). */
  public static final int COOKIE_BYTES = AddressCookies.BYTES;
  /** Bytes of a challenge: the cookie. */
  public static final int CHALLENGE_BYTES = COOKIE_BYTES;
  /** A cookie made in one period of this length is taken in it and the next. */
  public static final long COOKIE_MS = AddressCookies.PERIOD_MS;
  private static final int SIGNED_BYTES = REQUEST_BYTES - Identity.SIGNATURE_BYTES;
  /** How long a network may have contacts of fewer than half its other members before its node asks. */
  public static final long ASK_FIRST_MS = 5_000;
  /** Longest wait between two asks. */
  public static final long ASK_MAX_MS = 300_000;
  /** Shortest time between two answers to one requester. */
  public static final long ANSWER_EVERY_MS = 30_000;
  /** Most answers in any minute. */
  public static final int MAX_ANSWERS_PER_MINUTE = 16;
  static final byte[] DOMAIN = "wormholes-network-catchup-v2".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] COOKIE_DOMAIN = "wormholes-network-catchup-cookie".getBytes(StandardCharsets.US_ASCII);

  /** Why a request was not answered. */
  public enum Refusal {
    /** Not {@link #REQUEST_BYTES} long, a bad key, or an unresolved source address. */
    MALFORMED,
    /** For another network. */
    WRONG_NETWORK,
    /** Sent too far from now. */
    STALE_TIME,
    /** The requester never was a member. */
    NEVER_A_MEMBER,
    /** The signature does not verify. */
    BAD_SIGNATURE,
    /** This requester was answered less than {@link #ANSWER_EVERY_MS} ago. */
    TOO_SOON,
    /** {@link #MAX_ANSWERS_PER_MINUTE} answers in the last minute. */
    BUSY
  }

  /** What to do with a request. */
  public sealed interface Decision {
    /** Send the roster to the requester; {@code member}: it is still listed (else it was removed). */
    record Answer(NodeId requester, boolean member) implements Decision {}

    /**
     * The source address is not proven: send it only {@code cookie} (sealed for {@code requester},
     * under the request's key); the roster goes to a request that echoes it from that address.
     */
    record Challenge(NodeId requester, byte[] cookie) implements Decision {}

    /** Ignore it (counted). */
    record Refused(Refusal refusal) implements Decision {}
  }

  private final AddressCookies cookies;
  private final AskedAddresses asked = new AskedAddresses();
  private final Map<NodeId, Long> answered = new LinkedHashMap<>();
  private final ArrayDeque<Long> lastMinute = new ArrayDeque<>();
  private final EnumMap<Refusal, Long> refused = new EnumMap<>(Refusal.class);
  private long answers;
  private long challenges;
  private long quietSince = -1;
  private long nextAsk;
  private long backoff = ASK_FIRST_MS;
  private int rounds;

  /** Make the answering side; {@code secret} (at least 32 random bytes) keys its cookies. */
  public CatchUp(byte[] secret) {
    cookies = new AddressCookies(secret, COOKIE_DOMAIN);
  }

  /** Return {@code me}'s signed request without a cookie for network {@code network}'s roster, sent at {@code now}. */
  public static byte[] request(Identity me, NetworkId network, long now) {
    return request(me, network, new byte[COOKIE_BYTES], now);
  }

  /** Return {@code me}'s signed request echoing {@code cookie} ({@link #COOKIE_BYTES}), sent at {@code now}. */
  public static byte[] request(Identity me, NetworkId network, byte[] cookie, long now) {
    ByteBuffer b = ByteBuffer.allocate(REQUEST_BYTES);
    b.put(network.bytes().toByteArray()).put(me.publicKey()).putLong(now).put(cookie, 0, COOKIE_BYTES);
    b.put(me.sign(DOMAIN, Arrays.copyOf(b.array(), SIGNED_BYTES)));
    return b.array();
  }

  /** Decide whether to answer {@code request}, which came from {@code from}, with {@code roster} at {@code now}. */
  public Decision answer(Roster roster, byte[] request, InetSocketAddress from, long now) {
    if (request.length != REQUEST_BYTES || from.getAddress() == null) {
      return refuse(Refusal.MALFORMED);
    }
    ByteBuffer b = ByteBuffer.wrap(request);
    byte[] network = new byte[NetworkId.BYTES];
    byte[] key = new byte[Identity.PUBLIC_KEY_BYTES];
    byte[] cookie = new byte[COOKIE_BYTES];
    b.get(network).get(key);
    long sent = b.getLong();
    b.get(cookie);
    if (!roster.id().bytes().equals(ByteString.copyFrom(network))) {
      return refuse(Refusal.WRONG_NETWORK);
    }
    if (Math.abs(now - sent) > Keyring.MAX_SKEW_S * 1000) {
      return refuse(Refusal.STALE_TIME);
    }
    NodeId who = Identity.idOf(key);
    if (!roster.wasMember(who)) {
      return refuse(Refusal.NEVER_A_MEMBER);
    }
    if (!cookies.valid(cookie, from, key, now)) {
      challenges++;
      return new Decision.Challenge(who, cookies.make(from, key, now));
    }
    Long last = answered.get(who);
    if (last != null && now - last < ANSWER_EVERY_MS) {
      return refuse(Refusal.TOO_SOON);
    }
    while (!lastMinute.isEmpty() && now - lastMinute.peekFirst() >= 60_000) {
      lastMinute.removeFirst();
    }
    if (lastMinute.size() >= MAX_ANSWERS_PER_MINUTE) {
      return refuse(Refusal.BUSY);
    }
    if (!Identity.verify(key, DOMAIN, Arrays.copyOf(request, SIGNED_BYTES),
        Arrays.copyOfRange(request, SIGNED_BYTES, REQUEST_BYTES))) {
      return refuse(Refusal.BAD_SIGNATURE);
    }
    lastMinute.addLast(now);
    answered.remove(who);
    answered.put(who, now);
    if (answered.size() > Roster.MAX_CHANGES) { // at most the members a roster ever had
      answered.remove(answered.keySet().iterator().next());
    }
    answers++;
    return new Decision.Answer(who, roster.isMember(who));
  }

  /** Remember that this round's request went to {@code to}, so that one challenge from there is followed up. */
  public void asked(InetSocketAddress to) {
    asked.asked(to);
  }

  /**
   * Return whether to send the request again, with the cookie of a challenge that came from
   * {@code from}: this round asked that address and has not followed a challenge from it yet.
   */
  public boolean followUp(InetSocketAddress from) {
    return asked.followUp(from);
  }

  /**
   * Return whether this node should ask its seeds for the roster now: for {@link #ASK_FIRST_MS} its
   * network's member contacts ({@code contacts}) have been none or fewer than half of the roster's
   * other members ({@code others}), and the last ask was a backoff ago (doubling from {@link
   * #ASK_FIRST_MS} to {@link #ASK_MAX_MS}; reset by contacts of at least half). Members that took a change the node missed sealed under a key it does not hold stop
   * being its contacts, so a node left at an old epoch with a few others (each other's contacts)
   * asks as one left alone does; in steady state most members are contacts and nothing is asked.
   */
  public boolean askDue(int contacts, int others, long now) {
    if (contacts > 0 && 2 * contacts >= others) {
      asked.clear();
      quietSince = -1;
      backoff = ASK_FIRST_MS;
      rounds = 0;
      return false;
    }
    if (quietSince < 0) {
      quietSince = now;
      nextAsk = now + ASK_FIRST_MS;
    }
    if (now < nextAsk) {
      return false;
    }
    asked.clear();
    nextAsk = now + backoff;
    backoff = Math.min(ASK_MAX_MS, backoff * 2);
    rounds++;
    return true;
  }

  /**
   * Return how long (to {@code now}, on {@link #askDue}'s clock) this node has asked for the roster
   * without its network getting contacts of at least half its members, or 0 if it is not asking
   * (such contacts, or no round yet).
   * Nobody answers a member while no member that was in its epoch is online, or after it was
   * removed and no member it asks kept its key; that is what this tells.
   */
  public long unansweredMs(long now) {
    return rounds == 0 ? 0 : Math.max(1, now - quietSince);
  }

  /** Return the rounds asked since the network last had contacts of at least half its members. */
  public int rounds() {
    return rounds;
  }

  private Decision refuse(Refusal r) {
    refused.merge(r, 1L, Long::sum);
    return new Decision.Refused(r);
  }

  /** Return the refusals so far by reason. */
  public Map<Refusal, Long> refused() {
    return new EnumMap<>(refused);
  }

  /** Return how many requests were answered with a cookie only (their source not proven). */
  public long challenges() {
    return challenges;
  }

  /** Return how many requests were answered. */
  public long answers() {
    return answers;
  }
}
