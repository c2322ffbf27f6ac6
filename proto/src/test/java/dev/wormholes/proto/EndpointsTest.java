package dev.wormholes.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import com.google.protobuf.ByteString;
import dev.wormholes.proto.Endpoints.ParseResult;
import dev.wormholes.proto.wire.Endpoint;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Wire and text conversions of {@link Endpoints}; no test here touches the network or DNS. */
class EndpointsTest {

  static InetSocketAddress addr(byte[] ip, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByAddress(ip), port);
  }

  static Endpoint wire(int ipLength, int port) {
    return Endpoint.newBuilder().setIp(ByteString.copyFrom(new byte[ipLength])).setPort(port).build();
  }

  @Test
  void wireRoundTripV4AndV6() {
    qt().forAll(Gens.bytes(4, 4), integers().between(1, 65535)).checkAssert((ip, port) -> {
      InetSocketAddress a = uncheckedAddr(ip, port);
      Endpoint e = Endpoints.toWire(a);
      assertEquals(4, e.getIp().size());
      assertEquals(Optional.of(a), Endpoints.fromWire(e));
    });
    qt().forAll(Gens.bytes(16, 16), integers().between(1, 65535)).checkAssert((ip, port) -> {
      ip[0] = (byte) 0x20; // not IPv4-mapped (see ipv4MappedBecomesIpv4)
      InetSocketAddress a = uncheckedAddr(ip, port);
      assertInstanceOf(Inet6Address.class, a.getAddress());
      Endpoint e = Endpoints.toWire(a);
      assertEquals(16, e.getIp().size());
      assertEquals(Optional.of(a), Endpoints.fromWire(e));
    });
  }

  @Test
  void ipv4MappedBecomesIpv4() throws Exception {
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 192, 0, 2, 1};
    Endpoint e = Endpoint.newBuilder().setIp(ByteString.copyFrom(mapped)).setPort(7447).build();
    InetSocketAddress a = Endpoints.fromWire(e).orElseThrow();
    assertInstanceOf(Inet4Address.class, a.getAddress());
    assertEquals("192.0.2.1:7447", Endpoints.format(a));
    assertEquals(4, Endpoints.toWire(a).getIp().size());
  }

  @ParameterizedTest
  @CsvSource({"0,7447", "3,7447", "5,7447", "15,7447", "17,7447", "32,7447", "4,0", "16,0", "4,65536", "4,-1", "4,-65535"})
  void badWireEndpointsAreEmpty(int ipLength, int port) {
    Endpoint e = wire(ipLength, port);
    assertEquals(Optional.empty(), Endpoints.fromWire(e));
    assertEquals(false, Endpoints.isValid(e));
    assertTrue(Endpoints.format(e).startsWith("invalid endpoint"), Endpoints.format(e));
  }

  @Test
  void toWireRefusesNonDestinations() throws Exception {
    assertThrows(IllegalArgumentException.class, () -> Endpoints.toWire(InetSocketAddress.createUnresolved("example.org", 7447)));
    assertThrows(IllegalArgumentException.class, () -> Endpoints.toWire(addr(new byte[] {127, 0, 0, 1}, 0)));
  }

  @Test
  void formatting() throws Exception {
    assertEquals("192.0.2.1:7447", Endpoints.format(addr(new byte[] {(byte) 192, 0, 2, 1}, 7447)));
    byte[] v6 = new byte[16];
    v6[0] = 0x20;
    v6[1] = 0x01;
    v6[2] = 0x0d;
    v6[3] = (byte) 0xb8;
    v6[15] = 1;
    assertEquals("[2001:db8::1]:7447", Endpoints.format(addr(v6, 7447)));
    assertEquals("[::1]:1", Endpoints.format(addr(InetAddress.getByName("::1").getAddress(), 1)));
    assertEquals("example.org:7447", Endpoints.format(InetSocketAddress.createUnresolved("example.org", 7447)));
    assertEquals("[2001:db8::1]:7447", Endpoints.format(Endpoints.toWire(addr(v6, 7447))));
  }

  @Test
  void formatThenParseRoundTrips() {
    qt().forAll(Gens.bytes(4, 4), integers().between(1, 65535)).checkAssert((ip, port) -> {
      InetSocketAddress a = uncheckedAddr(ip, port);
      assertEquals(new ParseResult.Parsed(a), Endpoints.parseHostPort(Endpoints.format(a)));
    });
    qt().forAll(Gens.bytes(16, 16), integers().between(1, 65535)).checkAssert((ip, port) -> {
      InetSocketAddress a = uncheckedAddr(ip, port);
      assertEquals(new ParseResult.Parsed(a), Endpoints.parseHostPort(Endpoints.format(a)));
    });
  }

  @ParameterizedTest
  @CsvSource({
      "1.2.3.4:7447, 1.2.3.4:7447",
      "' 1.2.3.4:7447 ', 1.2.3.4:7447",
      "[::1]:7447, [::1]:7447",
      "[2001:DB8:0:0:0:0:0:1]:65535, [2001:db8::1]:65535",
      "localhost:7447, 127.0.0.1:7447",
      "LocalHost:1, 127.0.0.1:1",
      "[::ffff:192.0.2.1]:7447, 192.0.2.1:7447"})
  void parsesWhatPeopleType(String text, String formatted) {
    ParseResult r = Endpoints.parseHostPort(text);
    assertInstanceOf(ParseResult.Parsed.class, r, r.toString());
    assertEquals(formatted, Endpoints.format(r.orElseThrow()));
    assertEquals(Optional.of(r.orElseThrow()), r.toOptional());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''                 | empty address",
      "'   '              | empty address",
      "1.2.3.4            | has no port",
      "localhost          | has no port",
      "::1                | brackets",
      "2001:db8::1:7447   | brackets",
      "1.2.3.4:0          | port 0",
      "1.2.3.4:65536      | not HOST:PORT",
      "1.2.3.4:-1         | not HOST:PORT",
      "1.2.3.4:http       | not HOST:PORT",
      "[::1]:             | has no port",
      "[::1]              | e.g. [::1]:7447",
      "example.org:7447   | no DNS",
      "1.2.3:7447         | no DNS",
      "256.1.1.1:7447     | no DNS",
      "[::1:7447          | not HOST:PORT"})
  void refusesWithAClearMessage(String text, String expectedPart) {
    ParseResult r = Endpoints.parseHostPort(text);
    assertInstanceOf(ParseResult.Invalid.class, r, text);
    String message = ((ParseResult.Invalid) r).message();
    assertTrue(message.contains(expectedPart), message);
    assertTrue(!message.contains("\n"), "one line");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::orElseThrow);
    assertEquals(message, e.getMessage());
    assertEquals(Optional.empty(), r.toOptional());
  }

  @Test
  void nullIsRefused() {
    assertInstanceOf(ParseResult.Invalid.class, Endpoints.parseHostPort(null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0:0", "[::]:0", "127.0.0.1:0", "localhost:7447", "0.0.0.0:7447"})
  void bindAddressesMayUsePortZero(String text) {
    assertInstanceOf(ParseResult.Parsed.class, Endpoints.parseBindAddress(text));
  }

  @Test
  void contactCarriesIdAndEndpoint() throws Exception {
    NodeId id = NodeId.ofWords(1, 2, 3, 4);
    InetSocketAddress a = addr(new byte[] {10, 0, 0, 1}, 9);
    var c = Endpoints.contact(id, a);
    assertEquals(id, NodeId.of(c.getId().toByteArray()));
    assertEquals(Optional.of(a), Endpoints.fromWire(c.getEndpoint()));
  }

  private static InetSocketAddress uncheckedAddr(byte[] ip, int port) {
    try {
      return addr(ip, port);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
