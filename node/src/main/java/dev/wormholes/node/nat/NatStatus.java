package dev.wormholes.node.nat;

import dev.wormholes.dht.Contact;
import dev.wormholes.nat.AddressObserver;
import dev.wormholes.nat.NatReport;
import dev.wormholes.nat.portmap.PortMapProtocol;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the NAT agent for {@code /v1/status} ({@code "nat"}) and {@code wormholes status}.
 *
 * @param publicEndpoints the endpoints peers report, best first, with their confidence
 * @param report the NAT classification
 * @param isPublic whether the node counts as public (mapping none, two peers agree)
 * @param portMapping the mapping in force, or null
 * @param rendezvous the introducers this node is registered with
 * @param serving whether this node serves as rendezvous (and relay) now
 * @param registrations nodes registered with this node's rendezvous
 * @param relayCircuits relay circuits this node carries (from the relay server, 0 without one)
 * @param refused refusals by reason (bad input of every engine)
 */
public record NatStatus(List<AddressObserver.PublicEndpoint> publicEndpoints, NatReport report,
    boolean isPublic, PortMapping portMapping, List<Contact> rendezvous, boolean serving,
    int registrations, int relayCircuits, Map<String, Long> refused) {

  /**
   * A port mapping in force.
   *
   * @param protocol PCP, NAT-PMP or UPnP
   * @param endpoint the public endpoint that forwards to the node's socket
   * @param lifetimeS the lease granted
   */
  public record PortMapping(PortMapProtocol protocol, InetSocketAddress endpoint, long lifetimeS) {}
}
