package dev.wormholes.nat.node;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.DialBackRule;
import dev.wormholes.nat.punch.PunchCodec;
import dev.wormholes.nat.punch.PunchMessage;
import dev.wormholes.nat.punch.PunchTransmit;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * The serving side of filtering tests, sans-I/O. A request is answered only for the requester's
 * own observed address ({@link DialBackRule}): "same address, other port" from our side socket
 * (socket 1); "another host" by ordering a DHT contact at another IP to send it. An order is obeyed
 * only from one of our own DHT contacts (a node that answered us at that address), only towards
 * an address outside our own IP, and at most {@link #ORDERS_PER_SECOND} a second: one small
 * datagram out per datagram in, never more bytes than the order carried.
 */
final class DialBacks {
  /** Orders obeyed per second at most (burst: twice that). */
  static final int ORDERS_PER_SECOND = 20;

  private final InetSocketAddress self;
  private double tokens = 2 * ORDERS_PER_SECOND;
  private long refilledAt;
  long thirdParty;
  long noHelper;
  long untrustedOrders;
  long rateLimited;

  DialBacks(InetSocketAddress self) {
    this.self = self;
  }

  /** Serve {@code r} from {@code from}: a dial-back from our side port, or an order to a helper. */
  void onRequest(InetSocketAddress from, PunchMessage.DialBackRequest r, List<Contact> contacts,
      RandomGenerator random, Queue<PunchTransmit> out) {
    if (DialBackRule.check(from, r.target()) != DialBackRule.Verdict.ALLOW) {
      thirdParty++;
      return;
    }
    if (!r.fromOtherHost()) {
      out.add(new PunchTransmit(1, from, PunchCodec.encode(new PunchMessage.DialBack(r.nonce()))));
      return;
    }
    List<Contact> helpers = new ArrayList<>();
    for (Contact c : contacts) {
      java.net.InetAddress ip = c.address().getAddress();
      if (!ip.equals(from.getAddress()) && !ip.equals(self.getAddress())) {
        helpers.add(c);
      }
    }
    if (helpers.isEmpty()) {
      noHelper++;
      return;
    }
    Contact h = helpers.get(random.nextInt(helpers.size()));
    out.add(new PunchTransmit(0, h.address(), PunchCodec.encode(new PunchMessage.DialBackOrder(r.nonce(), from))));
  }

  /** Obey {@code o} from {@code from} if it is a contact's, aimed elsewhere, within the rate. */
  void onOrder(InetSocketAddress from, PunchMessage.DialBackOrder o, List<Contact> contacts, long now,
      Queue<PunchTransmit> out) {
    boolean known = contacts.stream().anyMatch(c -> c.address().equals(from));
    InetSocketAddress to = o.target();
    if (!known || to == null || to.isUnresolved() || to.getPort() == 0
        || to.getAddress().equals(self.getAddress()) || to.getAddress().isMulticastAddress()) {
      untrustedOrders++;
      return;
    }
    tokens = Math.min(2 * ORDERS_PER_SECOND, tokens + (now - refilledAt) * ORDERS_PER_SECOND / 1000.0);
    refilledAt = now;
    if (tokens < 1) {
      rateLimited++;
      return;
    }
    tokens--;
    out.add(new PunchTransmit(0, to, PunchCodec.encode(new PunchMessage.DialBack(o.nonce()))));
  }
}
