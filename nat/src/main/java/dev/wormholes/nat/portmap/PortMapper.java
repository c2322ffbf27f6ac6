package dev.wormholes.nat.portmap;

import dev.wormholes.nat.Networks;
import dev.wormholes.proto.engine.Transmit;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.random.RandomGenerator;

/**
 * Keep a UDP port mapped on the default gateway, sans-I/O: try PCP (RFC 6887), then NAT-PMP
 * (RFC 6886), then UPnP-IGD; renew at half the lease; delete on {@link #stop}.
 *
 * <p>Inputs: {@link #start}, {@link #handleDatagram} (replies on the mapped socket, from the
 * gateway's port 5351 or SSDP), {@link #handleHttpResponse}/{@link #handleHttpFailure}, {@link
 * #handleTimeout}, {@link #stop}. After each input the driver drains, in this order, {@link
 * #pollTransmit()}, {@link #pollHttpRequest()}, {@link #pollEvent()}, then reads {@link
 * #pollTimeout()}. Datagrams not from the gateway are refused and counted ({@link
 * #refusedCount()}), never believed.
 */
public final class PortMapper {

  /**
   * What to map and how patiently.
   *
   * @param gateway the default gateway's address
   * @param localAddress our address on the gateway's LAN (PCP client IP, UPnP internal client)
   * @param internalPort the local UDP port to map
   * @param lifetimeSeconds the lease to ask for
   * @param retryMs first retransmission timeout; doubles per retry (RFC 6887 8.1.1 in small)
   * @param retries requests per protocol step before moving on
   * @param ssdpTarget where to send the M-SEARCH (the SSDP group, or the gateway for unicast)
   * @param protocols the protocols to try, in order (normally PCP, NAT-PMP, UPnP)
   */
  public record Config(InetAddress gateway, InetAddress localAddress, int internalPort,
      long lifetimeSeconds, long retryMs, int retries, InetSocketAddress ssdpTarget,
      List<PortMapProtocol> protocols) {
    /** Return a config with defaults: 2 h lease, 250 ms first retry, 3 tries, multicast SSDP. */
    public static Config of(InetAddress gateway, InetAddress local, int internalPort) {
      return new Config(gateway, local, internalPort, 7200, 250, 3,
          new InetSocketAddress(Networks.ofBytes(new byte[] {(byte) 239, (byte) 255, (byte) 255, (byte) 250}),
              UpnpCodec.SSDP_PORT), List.of(PortMapProtocol.values()));
    }

    /** Return this config with another lease. */
    public Config withLifetime(long seconds) {
      return new Config(gateway, localAddress, internalPort, seconds, retryMs, retries, ssdpTarget, protocols);
    }

    /** Return this config trying only {@code order}, in that order. */
    public Config withProtocols(PortMapProtocol... order) {
      return new Config(gateway, localAddress, internalPort, lifetimeSeconds, retryMs, retries,
          ssdpTarget, List.of(order));
    }
  }

  /** Where the machine is. */
  private enum Phase { IDLE, PCP, PMP_ADDRESS, PMP_MAP, SSDP, DESCRIPTION, UPNP_ADDRESS, UPNP_ADD,
    MAPPED, STOPPED, UNAVAILABLE }

  /** The engine's timers. */
  private enum Timer {
    /** Resend the current request, or give up on this step. */
    RETRANSMIT,
    /** Renew the lease (half of it has passed). */
    RENEW
  }

  private final Config config;
  private final RandomGenerator random;
  private final byte[] pcpNonce = new byte[PcpCodec.NONCE_BYTES];
  private final Queue<Transmit> transmits = new ArrayDeque<>();
  private final Queue<HttpRequest> http = new ArrayDeque<>();
  private final Queue<PortMapEvent> events = new ArrayDeque<>();
  private final EnumMap<Timer, Long> timers = new EnumMap<>(Timer.class);

  // Progress of the current step.
  private Phase phase = Phase.IDLE;
  private int protocolIndex;
  private int attempts;
  private long retryMs;
  private long pendingHttp = -1;
  private long nextHttpId = 1;
  private boolean renewing;
  // What we have learned or hold.
  private InetAddress externalIp;
  private UpnpCodec.Service upnp;
  private String descriptionUrl;
  private PortMapProtocol protocol;
  private InetSocketAddress mapped;
  private String lastFailure = "no answer";
  private long refused;

  /** Map {@code config.internalPort}; {@code random} draws the PCP nonce. */
  public PortMapper(Config config, RandomGenerator random) {
    this.config = config;
    this.random = random;
  }

  /** Begin with the first protocol of the configured order (PCP by default). */
  public void start(long now) {
    random.nextBytes(pcpNonce);
    begin(0, now);
  }

  private void begin(int index, long now) {
    if (index >= config.protocols().size()) {
      unavailable();
      return;
    }
    protocolIndex = index;
    beginStep(now);
    switch (config.protocols().get(index)) {
      case PCP:
        phase = Phase.PCP;
        sendPcpMap(config.lifetimeSeconds());
        break;
      case NAT_PMP:
        phase = Phase.PMP_ADDRESS;
        toGateway(NatPmpCodec.encodeExternalAddressRequest());
        break;
      default:
        phase = Phase.SSDP;
        sendSearch();
    }
  }

  private void beginStep(long now) {
    attempts = 1;
    retryMs = config.retryMs();
    timers.put(Timer.RETRANSMIT, now + retryMs);
  }

  private void sendPcpMap(long lifetime) {
    int suggested = mapped != null ? mapped.getPort() : config.internalPort();
    toGateway(PcpCodec.encodeMapUdp(config.localAddress(), pcpNonce, config.internalPort(),
        suggested, null, lifetime));
  }

  private void sendPmpMap(long lifetime) {
    int suggested = lifetime == 0 ? 0 : mapped != null ? mapped.getPort() : config.internalPort();
    toGateway(NatPmpCodec.encodeMapUdpRequest(config.internalPort(), suggested, lifetime));
  }

  private void toGateway(byte[] b) {
    transmits.add(new Transmit(new InetSocketAddress(config.gateway(), PcpCodec.SERVER_PORT), b));
  }

  /** Feed a datagram that arrived on the mapped socket from {@code from}. */
  public void handleDatagram(InetSocketAddress from, byte[] bytes, long now) {
    if (phase != Phase.SSDP && from.getPort() == UpnpCodec.SSDP_PORT && from.getAddress().equals(config.gateway())) {
      return; // a late or duplicate SSDP answer from our gateway (one per advertised type): harmless
    }
    switch (phase) {
      case PCP: onPcp(from, bytes, now); break;
      case PMP_ADDRESS: onPmpAddress(from, bytes, now); break;
      case PMP_MAP: onPmpMap(from, bytes, now); break;
      case SSDP: onSsdp(from, bytes, now); break;
      case MAPPED:
        if (protocol == PortMapProtocol.PCP) {
          onPcp(from, bytes, now);
        } else if (protocol == PortMapProtocol.NAT_PMP) {
          onPmpMap(from, bytes, now);
        } else {
          refused++;
        }
        break;
      default: refused++;
    }
  }

  private void onPcp(InetSocketAddress from, byte[] b, long now) {
    Decoded<MappedPort> d = PcpCodec.decodeMapResponse(from, b, config.gateway(), pcpNonce, config.internalPort());
    if (d instanceof Decoded.Ok<MappedPort> ok) {
      MappedPort m = ok.value();
      acquired(PortMapProtocol.PCP, new InetSocketAddress(m.externalAddress(), m.externalPort()),
          m.lifetimeSeconds(), now);
    } else if (d instanceof Decoded.Err<MappedPort> e && (e.failure() == Decoded.Failure.REFUSED
        || e.failure() == Decoded.Failure.BAD_VERSION && b[0] == NatPmpCodec.VERSION)) {
      lastFailure = "PCP: " + e.detail(); // refused, or a NAT-PMP-only gateway: try the next protocol
      stepFailed(now);
    } else {
      refused++;
    }
  }

  private void onPmpAddress(InetSocketAddress from, byte[] b, long now) {
    Decoded<MappedPort> d = NatPmpCodec.decodeExternalAddressResponse(from, b, config.gateway());
    if (d instanceof Decoded.Ok<MappedPort> ok) {
      externalIp = ok.value().externalAddress();
      phase = Phase.PMP_MAP;
      beginStep(now);
      sendPmpMap(config.lifetimeSeconds());
    } else {
      onError(d, "NAT-PMP", now);
    }
  }

  private void onPmpMap(InetSocketAddress from, byte[] b, long now) {
    Decoded<MappedPort> d = NatPmpCodec.decodeMapUdpResponse(from, b, config.gateway(), config.internalPort());
    if (d instanceof Decoded.Ok<MappedPort> ok) {
      acquired(PortMapProtocol.NAT_PMP, new InetSocketAddress(externalIp, ok.value().externalPort()),
          ok.value().lifetimeSeconds(), now);
    } else {
      onError(d, "NAT-PMP", now);
    }
  }

  private void onError(Decoded<?> d, String who, long now) {
    Decoded.Err<?> e = (Decoded.Err<?>) d;
    if (e.failure() == Decoded.Failure.REFUSED || e.failure() == Decoded.Failure.BAD_VERSION) {
      lastFailure = who + ": " + e.detail();
      stepFailed(now);
    } else {
      refused++;
    }
  }

  private void onSsdp(InetSocketAddress from, byte[] b, long now) {
    Decoded<String> loc = UpnpCodec.decodeSearchResponse(b);
    boolean fromGateway = from.getAddress().equals(config.gateway());
    if (!fromGateway || !loc.isOk()
        || !UpnpCodec.hostOf(loc.orThrow()).equals(Optional.of(config.gateway().getHostAddress()))) {
      refused++; // SSDP answers from elsewhere, or pointing elsewhere, are not our gateway's
      return;
    }
    phase = Phase.DESCRIPTION;
    timers.remove(Timer.RETRANSMIT);
    descriptionUrl = loc.orThrow();
    request("GET", descriptionUrl, Map.of(), "");
  }

  private void request(String method, String url, Map<String, String> headers, String body) {
    pendingHttp = nextHttpId++;
    http.add(new HttpRequest(pendingHttp, method, url, headers, body));
  }

  private void soap(String action, String body) {
    request("POST", upnp.controlUrl(), Map.of("Content-Type", "text/xml; charset=\"utf-8\"",
        "SOAPAction", UpnpCodec.soapAction(upnp, action)), body);
  }

  /** Feed the answer to HTTP request {@code id}. */
  public void handleHttpResponse(long id, int status, String body, long now) {
    if (id != pendingHttp) {
      refused++;
      return;
    }
    pendingHttp = -1;
    switch (phase) {
      case DESCRIPTION: onDescription(status, body, now); break;
      case UPNP_ADDRESS: onUpnpAddress(status, body, now); break;
      case UPNP_ADD: onUpnpAdd(status, body, now); break;
      case MAPPED: onUpnpAdd(status, body, now); break; // a renewal
      case STOPPED: break; // the answer to DeletePortMapping: nothing is left to do
      default: refused++;
    }
  }

  private void onDescription(int status, String body, long now) {
    Decoded<UpnpCodec.Service> s = status == 200
        ? UpnpCodec.decodeDescription(descriptionUrl, body)
        : Decoded.err(Decoded.Failure.REFUSED, "HTTP " + status);
    if (s.isOk() && !UpnpCodec.hostOf(s.orThrow().controlUrl())
        .equals(Optional.of(config.gateway().getHostAddress()))) {
      refused++; // a control URL on another host would make us POST wherever a LAN device says
      s = Decoded.err(Decoded.Failure.WRONG_SOURCE, "control URL not on the gateway");
    }
    if (!s.isOk()) {
      lastFailure = "UPnP description: " + s;
      begin(protocolIndex + 1, now);
      return;
    }
    upnp = s.orThrow();
    phase = Phase.UPNP_ADDRESS;
    soap("GetExternalIPAddress", UpnpCodec.encodeGetExternalIpAddress(upnp));
  }

  private void onUpnpAddress(int status, String body, long now) {
    Decoded<Map<String, String>> r = UpnpCodec.decodeActionResponse("GetExternalIPAddress", status, body);
    Optional<InetAddress> ip = r.isOk() ? literal(r.orThrow().get("NewExternalIPAddress")) : Optional.empty();
    if (ip.isEmpty()) {
      lastFailure = "UPnP GetExternalIPAddress: " + r;
      begin(protocolIndex + 1, now);
      return;
    }
    // TEST-NET and other reserved addresses are accepted on purpose (NATLAB-FACTS.md).
    externalIp = ip.get();
    phase = Phase.UPNP_ADD;
    addPortMapping();
  }

  private void addPortMapping() {
    soap("AddPortMapping", UpnpCodec.encodeAddPortMapping(upnp, config.internalPort(),
        config.internalPort(), config.localAddress().getHostAddress(), "wormholes", config.lifetimeSeconds()));
  }

  private void onUpnpAdd(int status, String body, long now) {
    Decoded<Map<String, String>> r = UpnpCodec.decodeActionResponse("AddPortMapping", status, body);
    if (r.isOk()) {
      acquired(PortMapProtocol.UPNP, new InetSocketAddress(externalIp, config.internalPort()),
          config.lifetimeSeconds(), now);
    } else if (phase == Phase.MAPPED) {
      lost("UPnP renewal refused: " + r, now);
    } else {
      lastFailure = "UPnP AddPortMapping: " + r;
      begin(protocolIndex + 1, now);
    }
  }

  /** Feed the failure (connect error, timeout) of HTTP request {@code id}. */
  public void handleHttpFailure(long id, String reason, long now) {
    if (id != pendingHttp) {
      return;
    }
    pendingHttp = -1;
    if (phase == Phase.MAPPED) {
      lost("UPnP renewal failed: " + reason, now);
    } else {
      lastFailure = "UPnP HTTP: " + reason;
      begin(protocolIndex + 1, now);
    }
  }

  private static Optional<InetAddress> literal(String s) {
    if (s == null || !s.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return Optional.empty();
    }
    String[] p = s.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      int v = Integer.parseInt(p[i]);
      if (v > 255) {
        return Optional.empty();
      }
      b[i] = (byte) v;
    }
    return Optional.of(Networks.ofBytes(b));
  }

  private void acquired(PortMapProtocol p, InetSocketAddress endpoint, long lifetime, long now) {
    timers.remove(Timer.RETRANSMIT);
    if (lifetime <= 0) {
      lost(p + " granted no lifetime", now);
      return;
    }
    boolean changed = !endpoint.equals(mapped) || p != protocol;
    phase = Phase.MAPPED;
    renewing = false;
    protocol = p;
    mapped = endpoint;
    timers.put(Timer.RENEW, now + lifetime * 1000 / 2);
    if (changed) {
      events.add(new PortMapEvent.MappingAcquired(endpoint, p, lifetime));
    }
  }

  private void lost(String reason, long now) {
    PortMapProtocol p = protocol;
    mapped = null;
    protocol = null;
    timers.clear();
    events.add(new PortMapEvent.MappingLost(p, reason));
    begin(0, now); // look again from the top: the gateway may have changed
  }

  private void stepFailed(long now) {
    if (phase == Phase.MAPPED) {
      lost(lastFailure, now);
    } else {
      begin(protocolIndex + 1, now);
    }
  }

  private void sendSearch() {
    transmits.add(new Transmit(config.ssdpTarget(), UpnpCodec.encodeMSearch(1)));
  }

  private void unavailable() {
    phase = Phase.UNAVAILABLE;
    http.clear();
    timers.clear();
    events.add(new PortMapEvent.MappingUnavailable(lastFailure));
  }

  /** Fire every timer due at {@code now}. */
  public void handleTimeout(long now) {
    Long renew = timers.get(Timer.RENEW);
    if (renew != null && now >= renew) {
      timers.remove(Timer.RENEW);
      renew(now);
    }
    Long rt = timers.get(Timer.RETRANSMIT);
    if (rt != null && now >= rt) {
      retransmit(now);
    }
  }

  private void renew(long now) {
    renewing = true;
    if (protocol == PortMapProtocol.UPNP) {
      addPortMapping();
      return;
    }
    beginStep(now);
    resend();
  }

  private void retransmit(long now) {
    if (attempts >= config.retries()) {
      timers.remove(Timer.RETRANSMIT);
      lastFailure = phase == Phase.MAPPED ? "renewal unanswered" : phase + " unanswered";
      stepFailed(now);
      return;
    }
    attempts++;
    retryMs *= 2;
    timers.put(Timer.RETRANSMIT, now + retryMs);
    resend();
  }

  private void resend() {
    switch (phase == Phase.MAPPED ? protocolPhase() : phase) {
      case PCP: sendPcpMap(config.lifetimeSeconds()); break;
      case PMP_ADDRESS: toGateway(NatPmpCodec.encodeExternalAddressRequest()); break;
      case PMP_MAP: sendPmpMap(config.lifetimeSeconds()); break;
      case SSDP: sendSearch(); break;
      default: break;
    }
  }

  private Phase protocolPhase() {
    return protocol == PortMapProtocol.PCP ? Phase.PCP : Phase.PMP_MAP;
  }

  /** Delete the mapping (best effort, one request) and stop. */
  public void stop(long now) {
    if (phase == Phase.MAPPED) {
      if (protocol == PortMapProtocol.PCP) {
        sendPcpMap(0);
      } else if (protocol == PortMapProtocol.NAT_PMP) {
        sendPmpMap(0);
      } else {
        soap("DeletePortMapping", UpnpCodec.encodeDeletePortMapping(upnp, mapped.getPort()));
      }
      events.add(new PortMapEvent.MappingLost(protocol, "deleted on shutdown"));
    }
    phase = Phase.STOPPED;
    timers.clear();
    mapped = null;
  }

  /** Return the next datagram to send from the mapped socket. */
  public Optional<Transmit> pollTransmit() {
    return Optional.ofNullable(transmits.poll());
  }

  /** Return the next HTTP request to make. */
  public Optional<HttpRequest> pollHttpRequest() {
    return Optional.ofNullable(http.poll());
  }

  /** Return the next event. */
  public Optional<PortMapEvent> pollEvent() {
    return Optional.ofNullable(events.poll());
  }

  /** Return the earliest timer deadline. */
  public OptionalLong pollTimeout() {
    return timers.values().stream().mapToLong(Long::longValue).min();
  }

  /** Return the mapped public endpoint, if one is held. */
  public Optional<InetSocketAddress> mapped() {
    return Optional.ofNullable(mapped);
  }

  /** Return the protocol of the held mapping, if any. */
  public Optional<PortMapProtocol> protocol() {
    return Optional.ofNullable(protocol);
  }

  /** Return whether a renewal is in flight. */
  public boolean renewing() {
    return renewing;
  }

  /** Return how many datagrams or answers were refused (wrong source, malformed, unexpected). */
  public long refusedCount() {
    return refused;
  }
}
