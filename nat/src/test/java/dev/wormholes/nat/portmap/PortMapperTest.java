package dev.wormholes.nat.portmap;

import static dev.wormholes.nat.portmap.NatPmpCodecTest.FROM_GW;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.GW;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.hex;
import static dev.wormholes.nat.portmap.NatPmpCodecTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wormholes.proto.engine.Transmit;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The PortMapper state machine against a scripted gateway, in virtual time. */
class PortMapperTest {
  static final InetSocketAddress PUBLIC = new InetSocketAddress(ip("198.51.100.17"), 4001);
  final PortMapper.Config config = PortMapper.Config.of(GW, ip("10.7.0.2"), 4000);
  final List<PortMapEvent> events = new ArrayList<>();
  long now = 1000;

  List<Transmit> drain(PortMapper m) {
    List<Transmit> out = new ArrayList<>();
    m.pollTransmit().ifPresent(out::add);
    for (var t = m.pollTransmit(); t.isPresent(); t = m.pollTransmit()) {
      out.add(t.get());
    }
    for (var e = m.pollEvent(); e.isPresent(); e = m.pollEvent()) {
      events.add(e.get());
    }
    return out;
  }

  static byte[] pcpAnswer(byte[] request, int externalPort, long lifetime) {
    ByteBuffer b = ByteBuffer.allocate(60).put((byte) 2).put((byte) 0x81).put((byte) 0).put((byte) 0)
        .putInt((int) lifetime).putInt(3600).put(new byte[12]).put(Arrays.copyOfRange(request, 24, 36))
        .put((byte) 17).put(new byte[3]).putShort((short) 4000).putShort((short) externalPort)
        .put(PcpCodec.to16(PUBLIC.getAddress()));
    return b.array();
  }

  PortMapper acquiredByPcp() {
    PortMapper m = new PortMapper(config, new SplittableRandom(1));
    m.start(now);
    Transmit req = drain(m).get(0);
    assertEquals(new InetSocketAddress(GW, 5351), req.to());
    assertEquals(60, req.payload().length);
    m.handleDatagram(FROM_GW, pcpAnswer(req.payload(), 4001, 7200), now);
    drain(m);
    return m;
  }

  @Test
  void pcpMapsAndRenewsAtHalfTheLease() {
    PortMapper m = acquiredByPcp();
    assertEquals(List.of(new PortMapEvent.MappingAcquired(PUBLIC, PortMapProtocol.PCP, 7200)), events);
    assertEquals(now + 3_600_000, m.pollTimeout().getAsLong());
    now += 3_600_000;
    m.handleTimeout(now);
    Transmit renew = drain(m).get(0);
    assertEquals(4001, ByteBuffer.wrap(renew.payload()).getShort(42), "renewal suggests the port we hold");
    m.handleDatagram(FROM_GW, pcpAnswer(renew.payload(), 4001, 7200), now);
    drain(m);
    assertEquals(1, events.size(), "a renewal to the same endpoint is no news");
  }

  @Test
  void repliesFromAnyoneButTheGatewayAreRefusedAndCounted() {
    PortMapper m = new PortMapper(config, new SplittableRandom(1));
    m.start(now);
    Transmit req = drain(m).get(0);
    m.handleDatagram(new InetSocketAddress(ip("10.7.0.66"), 5351), pcpAnswer(req.payload(), 4001, 7200), now);
    m.handleDatagram(FROM_GW, hex("deadbeef"), now);
    drain(m);
    assertTrue(events.isEmpty());
    assertEquals(2, m.refusedCount());
    assertTrue(m.mapped().isEmpty());
  }

  @Test
  void aNatPmpOnlyGatewayIsUsedAfterPcp() {
    PortMapper m = new PortMapper(config, new SplittableRandom(1));
    m.start(now);
    drain(m);
    m.handleDatagram(FROM_GW, hex("0081 0001 00000e10"), now); // "unsupported version"
    assertEquals(2, drain(m).get(0).payload().length, "NAT-PMP external address request");
    m.handleDatagram(FROM_GW, hex("0080 0000 00000e10 c6336411"), now);
    byte[] map = drain(m).get(0).payload();
    assertEquals(12, map.length);
    m.handleDatagram(FROM_GW, hex("0081 0000 00000e10 0fa0 0fa1 00001c20"), now);
    drain(m);
    assertEquals(List.of(new PortMapEvent.MappingAcquired(PUBLIC, PortMapProtocol.NAT_PMP, 7200)), events);
    m.stop(now);
    assertEquals(Arrays.toString(hex("0001 0000 0fa0 0000 00000000")), Arrays.toString(drain(m).get(0).payload()));
    assertInstanceOf(PortMapEvent.MappingLost.class, events.get(1));
  }

  @Test
  void aSilentGatewayEndsUnavailableAfterBoundedRetries() {
    PortMapper m = new PortMapper(config, new SplittableRandom(1));
    m.start(now);
    int sent = drain(m).size();
    for (int i = 0; i < 100 && m.pollTimeout().isPresent(); i++) {
      now = m.pollTimeout().getAsLong();
      m.handleTimeout(now);
      sent += drain(m).size();
    }
    assertInstanceOf(PortMapEvent.MappingUnavailable.class, events.get(events.size() - 1));
    assertEquals(9, sent, "3 tries each of PCP, NAT-PMP and SSDP");
    assertTrue(now - 1000 < 6 * 1750, "250+500+1000 ms per protocol: gave up after " + (now - 1000) + " ms");
  }

  @Test
  void anUnansweredRenewalLosesTheMappingAndStartsOver() {
    PortMapper m = acquiredByPcp();
    now = m.pollTimeout().getAsLong();
    m.handleTimeout(now);
    drain(m);
    for (int i = 0; i < 3; i++) {
      now = m.pollTimeout().getAsLong();
      m.handleTimeout(now);
      drain(m);
    }
    assertInstanceOf(PortMapEvent.MappingLost.class, events.get(1));
    assertTrue(m.mapped().isEmpty());
  }

  @Test
  void upnpDiscoversDescribesMapsAndDeletes() {
    PortMapper m = new PortMapper(config.withProtocols(PortMapProtocol.UPNP), new SplittableRandom(1));
    m.start(now);
    assertEquals(config.ssdpTarget(), drain(m).get(0).to());
    String ssdp = "HTTP/1.1 200 OK\r\nST: x\r\nLOCATION: " + UpnpCodecTest.LOCATION + "\r\n\r\n";
    m.handleDatagram(new InetSocketAddress(ip("10.7.0.99"), 1900), ssdp.getBytes(), now); // not our gateway
    m.handleDatagram(new InetSocketAddress(GW, 1900),
        ssdp.replace("10.7.0.1", "10.7.0.99").getBytes(), now); // points elsewhere
    assertEquals(2, m.refusedCount());
    m.handleDatagram(new InetSocketAddress(GW, 1900), ssdp.getBytes(), now);
    HttpRequest get = m.pollHttpRequest().orElseThrow();
    assertEquals("GET " + UpnpCodecTest.LOCATION, get.method() + " " + get.url());
    m.handleHttpResponse(get.id(), 200, UpnpCodecTest.DESCRIPTION, now);
    HttpRequest ext = m.pollHttpRequest().orElseThrow();
    assertEquals("\"urn:schemas-upnp-org:service:WANIPConnection:1#GetExternalIPAddress\"", ext.headers().get("SOAPAction"));
    m.handleHttpResponse(ext.id(), 200, "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
        + "<u:GetExternalIPAddressResponse xmlns:u=\"x\"><NewExternalIPAddress>198.51.100.17</NewExternalIPAddress>"
        + "</u:GetExternalIPAddressResponse></s:Body></s:Envelope>", now);
    HttpRequest add = m.pollHttpRequest().orElseThrow();
    assertEquals(UpnpCodecTest.SERVICE.controlUrl(), add.url());
    m.handleHttpResponse(add.id() + 7, 200, "", now); // an answer to nothing we asked
    m.handleHttpResponse(add.id(), 200, "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
        + "<u:AddPortMappingResponse xmlns:u=\"x\"/></s:Body></s:Envelope>", now);
    drain(m);
    assertEquals(List.of(new PortMapEvent.MappingAcquired(new InetSocketAddress(PUBLIC.getAddress(), 4000),
        PortMapProtocol.UPNP, 7200)), events);
    m.stop(now);
    assertTrue(m.pollHttpRequest().orElseThrow().body().contains("DeletePortMapping"));
    assertEquals(3, m.refusedCount());
  }

  @Test
  void aControlUrlOffTheGatewayIsRefused() {
    PortMapper m = new PortMapper(config.withProtocols(PortMapProtocol.UPNP), new SplittableRandom(1));
    m.start(now);
    drain(m);
    String ssdp = "HTTP/1.1 200 OK\r\nLOCATION: " + UpnpCodecTest.LOCATION + "\r\n\r\n";
    m.handleDatagram(new InetSocketAddress(GW, 1900), ssdp.getBytes(), now);
    HttpRequest get = m.pollHttpRequest().orElseThrow();
    m.handleHttpResponse(get.id(), 200, UpnpCodecTest.DESCRIPTION.replace("<controlURL>/ctl/IPConn",
        "<controlURL>http://192.0.2.1/ctl/IPConn"), now);
    drain(m);
    assertTrue(m.pollHttpRequest().isEmpty(), "nothing is ever posted off the gateway");
    assertInstanceOf(PortMapEvent.MappingUnavailable.class, events.get(0));
    assertEquals(1, m.refusedCount());
  }
}
