package dev.wormholes.nat.portmap;

import static dev.wormholes.nat.portmap.NatPmpCodecTest.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** UPnP-IGD: SSDP search, description parsing, SOAP bodies and replies, hostile XML. */
class UpnpCodecTest {
  static final String LOCATION = "http://10.7.0.1:5000/rootDesc.xml";
  // Shaped like miniupnpd 2.3's rootDesc.xml (trimmed): WANIPConnection nested two devices deep.
  static final String DESCRIPTION = "<?xml version=\"1.0\"?>"
      + "<root xmlns=\"urn:schemas-upnp-org:device-1-0\"><specVersion><major>1</major></specVersion>"
      + "<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>"
      + "<serviceList><service><serviceType>urn:schemas-microsoft-com:service:OSInfo:1</serviceType>"
      + "<controlURL>/ctl/OSInfo</controlURL></service></serviceList>"
      + "<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>"
      + "<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>"
      + "<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>"
      + "<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>"
      + "</service></serviceList></device></deviceList></device></deviceList></device></root>";
  static final UpnpCodec.Service SERVICE =
      new UpnpCodec.Service("http://10.7.0.1:5000/ctl/IPConn", "urn:schemas-upnp-org:service:WANIPConnection:1");

  @Test
  void mSearchAsksForAnIgd() {
    String m = new String(UpnpCodec.encodeMSearch(2), StandardCharsets.US_ASCII);
    assertEquals("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\n"
        + "ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n", m);
  }

  @Test
  void searchResponseGivesTheLocation() {
    String r = "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:"
        + "InternetGatewayDevice:1\r\nUSN: uuid:x\r\nlocation: " + LOCATION + "\r\n\r\n";
    assertEquals(LOCATION, UpnpCodec.decodeSearchResponse(r.getBytes(StandardCharsets.US_ASCII)).orThrow());
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeSearchResponse("NOTIFY * HTTP/1.1\r\n\r\n".getBytes()));
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeSearchResponse(
        "HTTP/1.1 200 OK\r\nLOCATION: file:///etc/passwd\r\n\r\n".getBytes()));
  }

  @Test
  void descriptionGivesTheAbsoluteControlUrl() {
    assertEquals(SERVICE, UpnpCodec.decodeDescription(LOCATION, DESCRIPTION).orThrow());
    String ppp = DESCRIPTION.replace("WANIPConnection", "WANPPPConnection");
    assertEquals("urn:schemas-upnp-org:service:WANPPPConnection:1",
        UpnpCodec.decodeDescription(LOCATION, ppp).orThrow().serviceType());
    assertFailure(Decoded.Failure.MALFORMED,
        UpnpCodec.decodeDescription(LOCATION, DESCRIPTION.replace("WANIPConnection", "Layer3Forwarding")));
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeDescription(LOCATION, "<root><device>"));
  }

  @Test
  void externalEntitiesAreNeverResolved() {
    String xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
        + "<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1"
        + "</serviceType><controlURL>&x;</controlURL></service></serviceList></device></root>";
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeDescription(LOCATION, xxe));
    String bomb = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><r>&b;</r>";
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeActionResponse("GetExternalIPAddress", 200, bomb));
  }

  @Test
  void soapBodiesNameTheActionAndArguments() {
    String add = UpnpCodec.encodeAddPortMapping(SERVICE, 4000, 4000, "10.7.0.2", "wormholes", 7200);
    assertTrue(add.contains("<u:AddPortMapping xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
        + "<NewRemoteHost></NewRemoteHost><NewExternalPort>4000</NewExternalPort><NewProtocol>UDP</NewProtocol>"
        + "<NewInternalPort>4000</NewInternalPort><NewInternalClient>10.7.0.2</NewInternalClient>"
        + "<NewEnabled>1</NewEnabled><NewPortMappingDescription>wormholes</NewPortMappingDescription>"
        + "<NewLeaseDuration>7200</NewLeaseDuration></u:AddPortMapping>"), add);
    assertTrue(UpnpCodec.encodeDeletePortMapping(SERVICE, 4000).contains(
        "<NewRemoteHost></NewRemoteHost><NewExternalPort>4000</NewExternalPort><NewProtocol>UDP</NewProtocol>"));
    assertTrue(UpnpCodec.encodeGetExternalIpAddress(SERVICE).contains("<u:GetExternalIPAddress"));
    assertEquals("\"urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\"",
        UpnpCodec.soapAction(SERVICE, "AddPortMapping"));
  }

  @Test
  void repliesAndFaultsDecode() {
    String ok = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        + "<s:Body><u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
        + "<NewExternalIPAddress>198.51.100.17</NewExternalIPAddress></u:GetExternalIPAddressResponse>"
        + "</s:Body></s:Envelope>";
    assertEquals(Map.of("NewExternalIPAddress", "198.51.100.17"),
        UpnpCodec.decodeActionResponse("GetExternalIPAddress", 200, ok).orThrow());
    String fault = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
        + "<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>"
        + "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>718</errorCode>"
        + "<errorDescription>ConflictInMappingEntry</errorDescription></UPnPError></detail></s:Fault>"
        + "</s:Body></s:Envelope>";
    Decoded<Map<String, String>> f = UpnpCodec.decodeActionResponse("AddPortMapping", 500, fault);
    assertFailure(Decoded.Failure.REFUSED, f);
    assertEquals(718, ((Decoded.Err<?>) f).resultCode());
    assertFailure(Decoded.Failure.MALFORMED, UpnpCodec.decodeActionResponse("AddPortMapping", 200, ok));
  }
}
