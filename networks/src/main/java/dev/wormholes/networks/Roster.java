package dev.wormholes.networks;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.wormholes.networks.wire.Chain;
import dev.wormholes.networks.wire.ChangeBody;
import dev.wormholes.networks.wire.Create;
import dev.wormholes.networks.wire.Grant;
import dev.wormholes.networks.wire.SignedChange;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * A network's roster: a hash chain of changes, each signed by an admin of the roster before it,
 * and the state it leads to (members, admins, epoch). The first change creates the network (its
 * digest is the {@link NetworkId}); later ones add a member (granting it the current epoch key),
 * remove one (a new epoch whose key is granted to every remaining member, and to nobody else) or
 * make a member an admin. Immutable: every change makes a new roster. Verification is total:
 * hostile bytes give a {@link RosterResult.Invalid}, never an exception.
 */
public final class Roster {
  /** Most changes in a roster. */
  public static final int MAX_CHANGES = 256;
  /** Most members at once. */
  public static final int MAX_MEMBERS = 64;
  /** Most bytes of an encoded roster. */
  public static final int MAX_BYTES = 64 * 1024;
  /** Most bytes of a network's name. */
  public static final int MAX_NAME_BYTES = 64;
  static final byte[] DOMAIN = "wormholes-network-change-v1".getBytes(StandardCharsets.US_ASCII);

  private final List<SignedChange> changes;
  private final NetworkId id;
  private final String name;
  private final Map<NodeId, Member> members;
  private final Set<NodeId> admins;
  private final long epoch;
  private final ByteString head;

  private Roster(List<SignedChange> changes, NetworkId id, String name, Map<NodeId, Member> members,
      Set<NodeId> admins, long epoch, ByteString head) {
    this.changes = changes;
    this.id = id;
    this.name = name;
    this.members = members;
    this.admins = admins;
    this.epoch = epoch;
    this.head = head;
  }

  // ---- reading

  /** Return the roster encoded in {@code bytes}, verified from its creation. */
  public static RosterResult decode(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      return new RosterResult.Invalid(RosterFailure.TOO_LARGE, -1);
    }
    try {
      return verify(Chain.parseFrom(bytes).getChangesList());
    } catch (InvalidProtocolBufferException e) {
      return new RosterResult.Invalid(RosterFailure.MALFORMED, -1);
    }
  }

  /** Verify {@code chain} from its creation and return the roster it leads to. */
  public static RosterResult verify(List<SignedChange> chain) {
    if (chain.isEmpty()) {
      return new RosterResult.Invalid(RosterFailure.MALFORMED, -1);
    }
    if (chain.size() > MAX_CHANGES) {
      return new RosterResult.Invalid(RosterFailure.TOO_LARGE, MAX_CHANGES);
    }
    RosterResult r = genesis(chain.get(0));
    for (int i = 1; i < chain.size() && r instanceof RosterResult.Valid v; i++) {
      r = v.roster().append(chain.get(i));
      if (r instanceof RosterResult.Invalid bad) {
        return new RosterResult.Invalid(bad.failure(), i);
      }
    }
    return r;
  }

  private static RosterResult genesis(SignedChange c) {
    Optional<ChangeBody> parsed = parse(c);
    if (parsed.isEmpty()) {
      return new RosterResult.Invalid(RosterFailure.MALFORMED, 0);
    }
    ChangeBody b = parsed.get();
    if (b.getSeq() != 0 || !b.getPrev().isEmpty() || b.getOpCase() != ChangeBody.OpCase.CREATE) {
      return new RosterResult.Invalid(RosterFailure.BROKEN_CHAIN, 0);
    }
    Create create = b.getCreate();
    Optional<Member> founder = Member.of(create.getFounder());
    if (founder.isEmpty() || create.getNonce().size() != 16
        || create.getName().getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return new RosterResult.Invalid(RosterFailure.MALFORMED, 0);
    }
    if (!b.getSigner().equals(create.getFounder().getPublicKey())) {
      return new RosterResult.Invalid(RosterFailure.NOT_ADMIN, 0);
    }
    if (!signed(c, b)) {
      return new RosterResult.Invalid(RosterFailure.BAD_SIGNATURE, 0);
    }
    Member f = founder.get();
    if (b.getEpoch() != 1 || !grantsExactly(b, Set.of(f.id()))) {
      return new RosterResult.Invalid(RosterFailure.BAD_EPOCH, 0);
    }
    ByteString digest = digest(c);
    Map<NodeId, Member> members = new LinkedHashMap<>();
    members.put(f.id(), f);
    return new RosterResult.Valid(new Roster(List.of(c), new NetworkId(digest), create.getName(),
        members, Set.of(f.id()), 1, digest));
  }

  /** Return the roster after {@code c}, or why {@code c} does not follow this one. */
  public RosterResult append(SignedChange c) {
    if (changes.size() >= MAX_CHANGES) {
      return new RosterResult.Invalid(RosterFailure.TOO_LARGE, changes.size());
    }
    Optional<ChangeBody> parsed = parse(c);
    if (parsed.isEmpty()) {
      return invalid(RosterFailure.MALFORMED);
    }
    ChangeBody b = parsed.get();
    if (b.getSeq() != changes.size() || !b.getPrev().equals(head)) {
      return invalid(RosterFailure.BROKEN_CHAIN);
    }
    if (b.getSigner().size() != Identity.PUBLIC_KEY_BYTES
        || !admins.contains(Identity.idOf(b.getSigner().toByteArray()))) {
      return invalid(RosterFailure.NOT_ADMIN);
    }
    if (!signed(c, b)) {
      return invalid(RosterFailure.BAD_SIGNATURE);
    }
    Map<NodeId, Member> m = new LinkedHashMap<>(members);
    Set<NodeId> a = new HashSet<>(admins);
    long e = epoch;
    switch (b.getOpCase()) {
      case ADD_MEMBER -> {
        Optional<Member> added = Member.of(b.getAddMember());
        if (added.isEmpty() || m.containsKey(added.get().id()) || m.size() >= MAX_MEMBERS) {
          return invalid(RosterFailure.INVALID_CHANGE);
        }
        m.put(added.get().id(), added.get());
        if (b.getEpoch() != e || !grantsExactly(b, Set.of(added.get().id()))) {
          return invalid(RosterFailure.BAD_EPOCH);
        }
      }
      case REMOVE_MEMBER -> {
        Optional<NodeId> gone = NodeId.tryOf(b.getRemoveMember().toByteArray());
        if (gone.isEmpty() || !m.containsKey(gone.get())) {
          return invalid(RosterFailure.INVALID_CHANGE);
        }
        m.remove(gone.get());
        a.remove(gone.get());
        if (a.isEmpty()) {
          return invalid(RosterFailure.INVALID_CHANGE);
        }
        e++;
        if (b.getEpoch() != e || !grantsExactly(b, m.keySet())) {
          return invalid(RosterFailure.BAD_EPOCH);
        }
      }
      case ADD_ADMIN -> {
        Optional<NodeId> who = NodeId.tryOf(b.getAddAdmin().toByteArray());
        if (who.isEmpty() || !m.containsKey(who.get()) || a.contains(who.get())) {
          return invalid(RosterFailure.INVALID_CHANGE);
        }
        a.add(who.get());
        if (b.getEpoch() != e || b.getGrantsCount() != 0) {
          return invalid(RosterFailure.BAD_EPOCH);
        }
      }
      default -> {
        return invalid(RosterFailure.INVALID_CHANGE);
      }
    }
    List<SignedChange> next = new ArrayList<>(changes);
    next.add(c);
    return new RosterResult.Valid(new Roster(Collections.unmodifiableList(next), id, name,
        Collections.unmodifiableMap(m), Collections.unmodifiableSet(a), e, digest(c)));
  }

  /**
   * Return the roster {@code offered} leads to if it is this network's and extends this one by at
   * least one change; else why not ({@link RosterFailure#STALE} for an old or equal copy, {@link
   * RosterFailure#FORKED} for one that does not contain this one, {@link
   * RosterFailure#WRONG_NETWORK}).
   */
  public RosterResult adopt(Roster offered) {
    if (!offered.id.equals(id)) {
      return invalid(RosterFailure.WRONG_NETWORK);
    }
    if (offered.changes.size() <= changes.size()) {
      int last = offered.changes.size() - 1;
      return offered.changes.get(last).equals(changes.get(last))
          ? invalid(RosterFailure.STALE) : invalid(RosterFailure.FORKED);
    }
    return digest(offered.changes.get(changes.size() - 1)).equals(head)
        ? new RosterResult.Valid(offered) : invalid(RosterFailure.FORKED);
  }

  private static RosterResult invalid(RosterFailure f) {
    return new RosterResult.Invalid(f, -1);
  }

  private static Optional<ChangeBody> parse(SignedChange c) {
    if (c.getSignature().size() != Identity.SIGNATURE_BYTES) {
      return Optional.empty();
    }
    try {
      ChangeBody b = ChangeBody.parseFrom(c.getBody());
      return b.getSigner().size() == Identity.PUBLIC_KEY_BYTES ? Optional.of(b) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  private static boolean signed(SignedChange c, ChangeBody b) {
    return Identity.verify(b.getSigner().toByteArray(), DOMAIN, c.getBody().toByteArray(),
        c.getSignature().toByteArray());
  }

  /** Whether {@code b} grants its epoch key to exactly {@code to}, once each, in well-formed grants. */
  private static boolean grantsExactly(ChangeBody b, Set<NodeId> to) {
    if (b.getGrantsCount() != to.size() || b.getEphemeral().size() != BoxKeys.KEY_BYTES) {
      return false;
    }
    Set<NodeId> seen = new HashSet<>();
    for (Grant g : b.getGrantsList()) {
      Optional<NodeId> id = NodeId.tryOf(g.getNodeId().toByteArray());
      if (id.isEmpty() || !to.contains(id.get()) || !seen.add(id.get())
          || g.getWrapped().size() != BoxKeys.WRAPPED_BYTES) {
        return false;
      }
    }
    return true;
  }

  static ByteString digest(SignedChange c) {
    return ByteString.copyFrom(Identity.sha256(c.getBody().toByteArray()));
  }

  // ---- making changes (admins)

  /** A new network and its first epoch key. */
  public record Founded(Roster roster, byte[] epochKey) {}

  /** A removal and the new epoch's key. */
  public record Rolled(SignedChange change, byte[] epochKey) {}

  /** Create a network called {@code name} with {@code founder} as first member and admin. */
  public static Founded create(Identity founder, String name, RandomGenerator random) {
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    byte[] key = BoxKeys.fresh(random);
    Member f = Member.of(founder);
    ChangeBody.Builder b = ChangeBody.newBuilder().setSeq(0).setEpoch(1)
        .setCreate(Create.newBuilder().setName(name).setFounder(f.keys()).setNonce(ByteString.copyFrom(nonce)));
    SignedChange c = sign(founder, grant(b, List.of(f), key, random));
    RosterResult r = verify(List.of(c));
    if (r instanceof RosterResult.Valid v) {
      return new Founded(v.roster(), key);
    }
    throw new IllegalArgumentException("cannot create network " + name + ": " + r);
  }

  /** Return the change by {@code admin} that adds {@code member}, granting it {@code epochKey}. */
  public SignedChange addMember(Identity admin, Member member, byte[] epochKey, RandomGenerator random) {
    ChangeBody.Builder b = next(admin).setAddMember(member.keys());
    return sign(admin, grant(b, List.of(member), epochKey, random));
  }

  /** Return the change by {@code admin} that removes {@code who}, with the new epoch's key. */
  public Rolled removeMember(Identity admin, NodeId who, RandomGenerator random) {
    byte[] key = BoxKeys.fresh(random);
    List<Member> rest = members.values().stream().filter(m -> !m.id().equals(who)).toList();
    ChangeBody.Builder b = next(admin).setRemoveMember(ByteString.copyFrom(who.toBytes())).setEpoch(epoch + 1);
    return new Rolled(sign(admin, grant(b, rest, key, random)), key);
  }

  /** Return the change by {@code admin} that makes member {@code who} an admin. */
  public SignedChange addAdmin(Identity admin, NodeId who) {
    return sign(admin, next(admin).setAddAdmin(ByteString.copyFrom(who.toBytes())));
  }

  private ChangeBody.Builder next(Identity admin) {
    return ChangeBody.newBuilder().setSeq(changes.size()).setPrev(head).setEpoch(epoch)
        .setSigner(ByteString.copyFrom(admin.publicKey()));
  }

  private static ChangeBody.Builder grant(ChangeBody.Builder b, List<Member> to, byte[] key, RandomGenerator random) {
    byte[] eph = BoxKeys.fresh(random);
    b.setEphemeral(ByteString.copyFrom(BoxKeys.publicOf(eph)));
    for (Member m : to) {
      b.addGrants(Grant.newBuilder().setNodeId(ByteString.copyFrom(m.id().toBytes()))
          .setWrapped(ByteString.copyFrom(BoxKeys.wrap(eph, m, b.getEpoch(), key))));
    }
    return b;
  }

  private static SignedChange sign(Identity signer, ChangeBody.Builder b) {
    byte[] body = b.setSigner(ByteString.copyFrom(signer.publicKey())).build().toByteArray();
    return SignedChange.newBuilder().setBody(ByteString.copyFrom(body))
        .setSignature(ByteString.copyFrom(signer.sign(DOMAIN, body))).build();
  }

  // ---- the epoch key of a member

  /** An epoch and its key. */
  public record EpochKey(long epoch, byte[] key) {}

  /**
   * Return the newest epoch key granted to {@code me} in this roster (opened with its box private
   * key), if it is of the current epoch; empty if {@code me} holds none (not a member, or removed).
   */
  public Optional<EpochKey> epochKey(NodeId me, byte[] boxPrivate) {
    if (!members.containsKey(me)) {
      return Optional.empty();
    }
    ByteString mine = ByteString.copyFrom(me.toBytes());
    for (int i = changes.size() - 1; i >= 0; i--) {
      ChangeBody b = parse(changes.get(i)).orElseThrow(); // verified
      if (b.getEpoch() != epoch) {
        return Optional.empty();
      }
      for (Grant g : b.getGrantsList()) {
        if (g.getNodeId().equals(mine)) {
          return BoxKeys.unwrap(boxPrivate, me, b.getEphemeral().toByteArray(), epoch, g.getWrapped().toByteArray())
              .map(k -> new EpochKey(epoch, k));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Return the keys of the epochs before the current one granted to {@code me} (opened with its
   * box private key), oldest first, one per epoch; empty if {@code me} is not a member now. A
   * restarted member keeps them so that one who was away, holding only such a key, can ask it for
   * the roster ({@link CatchUp}).
   */
  public List<EpochKey> pastEpochKeys(NodeId me, byte[] boxPrivate) {
    if (!members.containsKey(me)) {
      return List.of();
    }
    ByteString mine = ByteString.copyFrom(me.toBytes());
    TreeMap<Long, EpochKey> byEpoch = new TreeMap<>();
    for (int i = changes.size() - 1; i >= 0; i--) {
      ChangeBody b = parse(changes.get(i)).orElseThrow(); // verified
      long e = b.getEpoch();
      if (e == epoch || byEpoch.containsKey(e)) {
        continue;
      }
      for (Grant g : b.getGrantsList()) {
        if (g.getNodeId().equals(mine)) {
          BoxKeys.unwrap(boxPrivate, me, b.getEphemeral().toByteArray(), e, g.getWrapped().toByteArray())
              .ifPresent(k -> byEpoch.put(e, new EpochKey(e, k)));
        }
      }
    }
    return List.copyOf(byEpoch.values());
  }

  // ---- history

  /**
   * Return the admin who signed the change removing {@code who} (the newest such change), or empty
   * if no change of this roster removed it. The roster is the signed notice of the removal.
   */
  public Optional<NodeId> removedBy(NodeId who) {
    ByteString id = ByteString.copyFrom(who.toBytes());
    for (int i = changes.size() - 1; i > 0; i--) {
      ChangeBody b = parse(changes.get(i)).orElseThrow(); // verified
      if (b.getOpCase() == ChangeBody.OpCase.REMOVE_MEMBER && b.getRemoveMember().equals(id)) {
        return Optional.of(Identity.idOf(b.getSigner().toByteArray()));
      }
    }
    return Optional.empty();
  }

  /** Return whether {@code who} is a member now or was one before a removal. */
  public boolean wasMember(NodeId who) {
    return isMember(who) || removedBy(who).isPresent();
  }

  // ---- getters

  /** Return the encoded roster. */
  public byte[] encode() {
    return Chain.newBuilder().addAllChanges(changes).build().toByteArray();
  }

  /** Return the changes, creation first. */
  public List<SignedChange> changes() { return changes; }

  /** Return the network id. */
  public NetworkId id() { return id; }

  /** Return the name the creator gave the network. */
  public String name() { return name; }

  /** Return the members by node id, in the order they were added. */
  public Map<NodeId, Member> members() { return members; }

  /** Return whether {@code id} is a member. */
  public boolean isMember(NodeId id) { return members.containsKey(id); }

  /** Return the admins' node ids. */
  public Set<NodeId> admins() { return admins; }

  /** Return the current epoch (1 at creation, +1 per removal). */
  public long epoch() { return epoch; }

  /** Return the seq of the newest change. */
  public long seq() { return changes.size() - 1L; }

  /** Return the digest of the newest change. */
  public ByteString head() { return head; }
}
