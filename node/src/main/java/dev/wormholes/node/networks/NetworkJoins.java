package dev.wormholes.node.networks;

import com.google.protobuf.ByteString;
import dev.wormholes.networks.AddressCookies;
import dev.wormholes.networks.Fragments;
import dev.wormholes.networks.JoinRefusal;
import dev.wormholes.networks.JoinSchedule;
import dev.wormholes.networks.Keyring;
import dev.wormholes.networks.NetworkId;
import dev.wormholes.networks.NetworkInvites;
import dev.wormholes.networks.Payloads;
import dev.wormholes.networks.Receivers;
import dev.wormholes.networks.Roster;
import dev.wormholes.networks.RosterResult;
import dev.wormholes.networks.SealKey;
import dev.wormholes.networks.wire.InviteLink;
import dev.wormholes.node.networks.PrivateNetworks.Owner;
import dev.wormholes.node.runtime.LocalAddresses;
import dev.wormholes.node.runtime.LoopTimer;
import dev.wormholes.node.runtime.MonotonicClock;
import dev.wormholes.proto.Identity;
import dev.wormholes.proto.NodeId;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins by one-time invite, both sides, under the invite's key ({@link Owner} with the invite's
 * tag). The inviter: {@link #invite} makes a link (kept before it is shown); a join request (0x12)
 * is checked by {@link NetworkInvites#redeem}: from an address that has not echoed this node's
 * cookie it gets the cookie alone (0x18, 62 bytes sealed against a request of about 216), so the
 * roster (up to 64 KiB) goes only to an address that proved it receives there; a request echoing
 * it admits the member (a roster change pushed to the members), the invite is kept used, then the
 * roster goes back in 0x13 fragments; a refusal goes back as 0x14 (2 bytes: smaller than the
 * request). The joiner: {@link #join} sends its request to the inviter's endpoints when its
 * {@link JoinSchedule} says (0, 1, 3 and 7 s until answered, failed after 15 s), follows up a
 * challenge from an address it asked that round once, with the cookie (a challenge from a forged
 * source makes it send nothing), and
 * installs the network from a valid answer that grants it the epoch key. Event loop only, but for
 * {@link #join}'s parsing.
 */
final class NetworkJoins {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkJoins.class);
  private record Joining(InviteLink link, String name, Owner owner, JoinSchedule schedule, LoopTimer timer,
      CompletableFuture<String> done) {}

  private final PrivateNetworks host;
  private final Identity me;
  private final byte[] boxPrivate;
  private final Keyring<Owner> keyring;
  private final Receivers receivers;
  private final NetworkFiles files;
  private final Fragments fragments;
  private final SecureRandom random;
  private final EventLoop loop;
  private final AddressCookies cookies;
  private NetworkInvites invites = new NetworkInvites();
  private final Map<Long, Joining> joining = new HashMap<>();
  private long answersIgnored;

  NetworkJoins(PrivateNetworks host, Identity me, byte[] boxPrivate, Keyring<Owner> keyring, Receivers receivers,
      NetworkFiles files, Fragments fragments, SecureRandom random, EventLoop loop) {
    this.host = host;
    this.me = me;
    this.boxPrivate = boxPrivate;
    this.keyring = keyring;
    this.receivers = receivers;
    this.files = files;
    this.fragments = fragments;
    this.random = random;
    this.loop = loop;
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    this.cookies = NetworkInvites.cookies(secret);
  }

  /** Load the kept invites and install the keys of those still open to requests. */
  void load() {
    files.invites().ifPresent(bytes -> {
      invites = NetworkInvites.decode(bytes).orElseGet(() -> {
        LOG.warn("the kept network invites do not parse: starting with none");
        return new NetworkInvites();
      });
      for (NetworkInvites.Pending p : invites.keys(PrivateNetworks.wall() / 1000)) {
        keyring.install(new Owner(p.network(), p.key().id()), 0, p.key(), PrivateNetworks.wall());
      }
    });
  }

  /** Take a datagram opened under an invite's key. */
  void onMessage(InetSocketAddress from, Owner owner, byte[] p, long now) {
    if (p[0] == Payloads.JOIN) {
      onJoin(from, owner, Arrays.copyOfRange(p, 1, p.length), now);
    } else if (p[0] == Payloads.JOIN_COOKIE) {
      onCookie(from, owner, p);
    } else if (p[0] == Payloads.ANSWER) {
      fragments.add(from, p, now).ifPresent(whole -> onAnswer(from, owner, whole, now));
    } else if (p[0] == Payloads.REFUSED && p.length == 2) {
      Joining j = joining.remove(owner.invite());
      if (j != null) {
        j.timer().cancel();
        keyring.remove(owner);
        JoinRefusal[] all = JoinRefusal.values();
        String why = (p[1] & 0xff) < all.length ? all[p[1] & 0xff].name().toLowerCase() : "refused";
        j.done().completeExceptionally(new IllegalStateException("the inviter refused the join: " + why));
      }
    }
  }

  private void onJoin(InetSocketAddress from, Owner owner, byte[] request, long now) {
    NetworkInvites.Outcome o = invites.redeem(owner.invite(), request, from, PrivateNetworks.wall(), cookies);
    if (o instanceof NetworkInvites.Outcome.Refused refused) {
      // Counted by NetworkInvites. The request opened under the invite's key, so its sender holds
      // the link: it may learn why (used, expired, malformed).
      host.send(owner, from, new byte[] {Payloads.REFUSED, (byte) refused.refusal().ordinal()});
      return;
    }
    if (o instanceof NetworkInvites.Outcome.Challenge c) {
      host.send(owner, from, c.requester(), Payloads.of(Payloads.JOIN_COOKIE, c.cookie()));
      return;
    }
    NetworkInvites.Outcome.Admit admit = (NetworkInvites.Outcome.Admit) o;
    receivers.learn(from, admit.member().id()); // the request is signed and echoed our cookie from there
    PrivateNetwork n = host.network(owner.network());
    if (n == null) {
      return;
    }
    // A member already listed asks again (its answer got lost, or this node crashed after the
    // roster was kept and before the invite was marked used): answer, change nothing.
    if (!admit.again() && !n.roster().isMember(admit.member().id())) {
      Roster r = n.roster();
      Optional<Roster.EpochKey> key = r.epochKey(me.id(), boxPrivate);
      if (key.isEmpty() || !r.admins().contains(me.id())) {
        return;
      }
      Optional<Roster> next = PrivateNetworks.apply(r, r.addMember(me, admit.member(), key.get().key(), random));
      if (next.isPresent() && admit.invite().admin()) {
        next = PrivateNetworks.apply(next.get(), next.get().addAdmin(me, admit.member().id()));
      }
      if (next.isEmpty()) {
        return;
      }
      host.commit(n, next.get(), now);
    }
    files.saveInvites(invites.encode()); // the roster first, then the invite marked used (or answered again)
    for (byte[] f : Fragments.split(Payloads.ANSWER, random.nextLong(), n.roster().encode())) {
      host.send(owner, from, f);
    }
  }

  /** The inviter sent the cookie our join request must echo from this address: ask again with it, once a round. */
  private void onCookie(InetSocketAddress from, Owner owner, byte[] p) {
    Joining j = joining.get(owner.invite());
    if (j != null && p.length == 1 + AddressCookies.BYTES && j.schedule().followUp(from)) {
      byte[] cookie = Arrays.copyOfRange(p, 1, p.length);
      host.send(owner, from, Payloads.of(Payloads.JOIN, NetworkInvites.request(me, j.link(), cookie)));
    }
  }

  private void onAnswer(InetSocketAddress from, Owner owner, byte[] encoded, long now) {
    Joining j = joining.get(owner.invite());
    RosterResult r = Roster.decode(encoded);
    if (j == null || !(r instanceof RosterResult.Valid v) || !v.roster().id().equals(owner.network())
        || v.roster().epochKey(me.id(), boxPrivate).isEmpty()) {
      answersIgnored++;
      return;
    }
    joining.remove(owner.invite());
    j.timer().cancel();
    keyring.remove(owner);
    files.saveRoster(j.name(), v.roster().encode());
    host.forgetRemoved(j.name());
    PrivateNetwork n = host.install(j.name(), v.roster(), now);
    n.addSeeds(List.of(from), now);
    j.done().complete(j.name());
  }

  /** Return a one-time link into {@code n}, valid for {@code seconds}; the joiner becomes an admin if {@code admin}. */
  String invite(PrivateNetwork n, boolean admin, long seconds, List<InetSocketAddress> endpoints) {
    if (!n.roster().admins().contains(me.id())) {
      throw new IllegalArgumentException("this node is not an admin of " + n.name);
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    long expires = PrivateNetworks.wall() / 1000 + seconds;
    NetworkInvites.Pending p = invites.create(n.roster().id(), secret, admin, expires);
    files.saveInvites(invites.encode()); // kept before the link is shown
    keyring.install(new Owner(n.roster().id(), p.key().id()), 0, p.key(), PrivateNetworks.wall());
    InviteLink.Builder link = InviteLink.newBuilder().setNetwork(n.roster().id().bytes()).setName(n.name)
        .setInviter(ByteString.copyFrom(me.publicKey())).setSecret(ByteString.copyFrom(secret))
        .setAdmin(admin).setExpires(expires);
    for (InetSocketAddress a : endpoints) {
      link.addEndpoints(a.getAddress().getHostAddress() + ":" + a.getPort());
    }
    return NetworkInvites.text(link.build());
  }

  /** Join with {@code linkText} under the local name {@code name} (null: the inviter's); complete when joined. Any thread. */
  CompletableFuture<String> join(String linkText, String name) {
    InviteLink link = NetworkInvites.parseLink(linkText)
        .orElseThrow(() -> new IllegalArgumentException("not a network invite link"));
    String local = name == null ? link.getName() : name;
    PrivateNetworks.checkName(local);
    List<InetSocketAddress> to = new ArrayList<>();
    for (String e : link.getEndpointsList()) {
      int colon = e.lastIndexOf(':');
      if (colon > 0) {
        try {
          to.add(new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1))));
        } catch (IllegalArgumentException ex) {
          // a bad endpoint: skip it
        }
      }
    }
    if (to.isEmpty()) {
      throw new IllegalArgumentException("the link names no endpoint of the inviter");
    }
    NetworkId id = NetworkId.tryOf(link.getNetwork()).orElseThrow();
    NodeId inviter = Identity.idOf(link.getInviter().toByteArray());
    return host.onLoop(() -> {
      host.checkJoinable(id, local);
      SealKey key = SealKey.of(link.getSecret().toByteArray(), SealKey.Use.INVITE);
      Owner owner = new Owner(id, key.id());
      keyring.install(owner, 0, key, PrivateNetworks.wall());
      to.forEach(a -> receivers.learn(a, inviter)); // the inviter's endpoints, named in its link
      byte[] plain = Payloads.of(Payloads.JOIN, NetworkInvites.request(me, link));
      Joining[] self = new Joining[1];
      Joining j = new Joining(link, local, owner, new JoinSchedule(to, MonotonicClock.now()),
          new LoopTimer(loop, () -> onTimer(self[0], plain)), new CompletableFuture<>());
      self[0] = j;
      joining.put(key.id(), j);
      onTimer(j, plain);
      return j;
    }).thenCompose(Joining::done);
  }

  // A join's wake: the request to the inviter's endpoints when a round is due (JoinSchedule: 0, 1,
  // 3, 7 s until answered), or the join failed at its timeout.
  private void onTimer(Joining j, byte[] plain) {
    if (joining.get(j.owner().invite()) != j) {
      return; // answered or refused
    }
    long now = MonotonicClock.now();
    if (j.schedule().expired(now)) {
      joining.remove(j.owner().invite());
      keyring.remove(j.owner());
      j.done().completeExceptionally(new TimeoutException("no answer from the inviter in "
          + JoinSchedule.TIMEOUT_MS / 1000 + " s"));
      return;
    }
    for (InetSocketAddress a : j.schedule().due(now)) {
      host.send(j.owner(), a, plain);
    }
    j.timer().arm(j.schedule().nextWake(), now);
  }

  /** Return the join refusals so far by reason. */
  Map<JoinRefusal, Long> refused() {
    return invites.refused();
  }

  /** Return how many join requests got a cookie only (their source address not proven). */
  long challenges() {
    return invites.challenges();
  }

  /** Return how many join answers were ignored (no join in progress, invalid, or without this node's key). */
  long answersIgnored() {
    return answersIgnored;
  }
}
