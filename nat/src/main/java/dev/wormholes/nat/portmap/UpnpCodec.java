package dev.wormholes.nat.portmap;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * UPnP Internet Gateway Device client messages: the SSDP M-SEARCH (UPnP Device Architecture 1.1,
 * 1.3.2), the device description (2.3) parsed for the WANIPConnection or WANPPPConnection control
 * URL, and the SOAP actions AddPortMapping, DeletePortMapping and GetExternalIPAddress
 * (WANIPConnection:1 service, 2.4). XML is parsed with the JDK parser with DOCTYPEs and external
 * entities disabled: a hostile gateway cannot make us read files or the network.
 */
public final class UpnpCodec {
  private UpnpCodec() {}

  /** The SSDP multicast group. */
  public static final String SSDP_HOST = "239.255.255.250";
  /** The SSDP port. */
  public static final int SSDP_PORT = 1900;
  /** The device type searched for. */
  public static final String IGD = "urn:schemas-upnp-org:device:InternetGatewayDevice:1";
  /** Largest description or SOAP reply parsed. */
  public static final int MAX_XML = 64 * 1024;

  /**
   * A control endpoint found in a description.
   *
   * @param controlUrl absolute URL to POST SOAP actions to
   * @param serviceType the full service type, used in SOAPAction and the body namespace
   */
  public record Service(String controlUrl, String serviceType) {}

  /** Return the SSDP M-SEARCH datagram asking for an IGD, answers within {@code mxSeconds}. */
  public static byte[] encodeMSearch(int mxSeconds) {
    return ("M-SEARCH * HTTP/1.1\r\n"
        + "HOST: " + SSDP_HOST + ":" + SSDP_PORT + "\r\n"
        + "MAN: \"ssdp:discover\"\r\n"
        + "MX: " + mxSeconds + "\r\n"
        + "ST: " + IGD + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** Return the LOCATION of an SSDP search response, or a failure. */
  public static Decoded<String> decodeSearchResponse(byte[] b) {
    String text = new String(b, StandardCharsets.ISO_8859_1);
    String[] lines = text.split("\r\n");
    if (lines.length == 0 || !lines[0].startsWith("HTTP/1.1 200")) {
      return Decoded.err(Decoded.Failure.MALFORMED, "not an SSDP 200 response");
    }
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("LOCATION")) {
        String loc = line.substring(colon + 1).trim();
        return loc.startsWith("http://") ? new Decoded.Ok<>(loc)
            : Decoded.err(Decoded.Failure.MALFORMED, "LOCATION is not http");
      }
    }
    return Decoded.err(Decoded.Failure.MALFORMED, "no LOCATION");
  }

  /**
   * Return the WANIPConnection (preferred) or WANPPPConnection service of a device description
   * fetched from {@code location}, with its control URL made absolute.
   */
  public static Decoded<Service> decodeDescription(String location, String xml) {
    Optional<Document> doc = parse(xml);
    if (doc.isEmpty()) {
      return Decoded.err(Decoded.Failure.MALFORMED, "description XML");
    }
    Service ppp = null;
    NodeList services = doc.get().getElementsByTagNameNS("*", "service");
    for (int i = 0; i < services.getLength(); i++) {
      Element s = (Element) services.item(i);
      String type = childText(s, "serviceType");
      String control = childText(s, "controlURL");
      if (type == null || control == null) {
        continue;
      }
      Optional<String> url = resolve(location, baseUrl(doc.get()), control);
      if (url.isEmpty()) {
        continue;
      }
      if (type.startsWith("urn:schemas-upnp-org:service:WANIPConnection:")) {
        return new Decoded.Ok<>(new Service(url.get(), type));
      }
      if (ppp == null && type.startsWith("urn:schemas-upnp-org:service:WANPPPConnection:")) {
        ppp = new Service(url.get(), type);
      }
    }
    return ppp != null ? new Decoded.Ok<>(ppp)
        : Decoded.err(Decoded.Failure.MALFORMED, "no WANIPConnection/WANPPPConnection service");
  }

  private static String baseUrl(Document d) {
    NodeList l = d.getElementsByTagNameNS("*", "URLBase");
    return l.getLength() > 0 ? l.item(0).getTextContent().trim() : null;
  }

  private static Optional<String> resolve(String location, String base, String control) {
    try {
      URI b = URI.create(base != null && !base.isEmpty() ? base : location);
      URI u = b.resolve(control.trim());
      return "http".equals(u.getScheme()) ? Optional.of(u.toString()) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Return the SOAPAction header value for {@code action} of {@code service}. */
  public static String soapAction(Service service, String action) {
    return "\"" + service.serviceType() + "#" + action + "\"";
  }

  /** Return the SOAP body of GetExternalIPAddress. */
  public static String encodeGetExternalIpAddress(Service s) {
    return envelope(s, "GetExternalIPAddress", "");
  }

  /** Return the SOAP body of AddPortMapping for a UDP port forwarded to {@code internalClient}. */
  public static String encodeAddPortMapping(Service s, int externalPort, int internalPort,
      String internalClient, String description, long leaseSeconds) {
    return envelope(s, "AddPortMapping",
        arg("NewRemoteHost", "") + arg("NewExternalPort", externalPort) + arg("NewProtocol", "UDP")
        + arg("NewInternalPort", internalPort) + arg("NewInternalClient", internalClient)
        + arg("NewEnabled", 1) + arg("NewPortMappingDescription", description)
        + arg("NewLeaseDuration", leaseSeconds));
  }

  /** Return the SOAP body of DeletePortMapping for a UDP port. */
  public static String encodeDeletePortMapping(Service s, int externalPort) {
    return envelope(s, "DeletePortMapping",
        arg("NewRemoteHost", "") + arg("NewExternalPort", externalPort) + arg("NewProtocol", "UDP"));
  }

  private static String arg(String name, Object value) {
    return "<" + name + ">" + escape(String.valueOf(value)) + "</" + name + ">";
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String envelope(Service s, String action, String args) {
    return "<?xml version=\"1.0\"?>\r\n"
        + "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
        + "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
        + "<u:" + action + " xmlns:u=\"" + escape(s.serviceType()) + "\">" + args + "</u:" + action + ">"
        + "</s:Body></s:Envelope>\r\n";
  }

  /**
   * Decode the reply to {@code action}: on HTTP 200 with a {@code <action>Response} element return
   * that element's text children by name; a SOAP fault becomes {@link Decoded.Failure#REFUSED}
   * with the UPnP error code.
   */
  public static Decoded<java.util.Map<String, String>> decodeActionResponse(
      String action, int httpStatus, String xml) {
    Optional<Document> doc = parse(xml);
    if (doc.isEmpty()) {
      return Decoded.err(Decoded.Failure.MALFORMED, "SOAP XML (HTTP " + httpStatus + ")");
    }
    NodeList err = doc.get().getElementsByTagNameNS("*", "errorCode");
    if (err.getLength() > 0 || httpStatus != 200) {
      int code = -1;
      if (err.getLength() > 0) {
        try {
          code = Integer.parseInt(err.item(0).getTextContent().trim());
        } catch (NumberFormatException e) {
          code = -1;
        }
      }
      return new Decoded.Err<>(Decoded.Failure.REFUSED, "UPnP error " + code + " (HTTP " + httpStatus + ")", code);
    }
    NodeList r = doc.get().getElementsByTagNameNS("*", action + "Response");
    if (r.getLength() == 0) {
      return Decoded.err(Decoded.Failure.MALFORMED, "no " + action + "Response");
    }
    java.util.Map<String, String> out = new java.util.TreeMap<>();
    NodeList kids = r.item(0).getChildNodes();
    for (int i = 0; i < kids.getLength(); i++) {
      Node k = kids.item(i);
      if (k.getNodeType() == Node.ELEMENT_NODE) {
        out.put(k.getLocalName(), k.getTextContent().trim());
      }
    }
    return new Decoded.Ok<>(out);
  }

  private static String childText(Element parent, String localName) {
    NodeList kids = parent.getChildNodes();
    for (int i = 0; i < kids.getLength(); i++) {
      Node k = kids.item(i);
      if (k.getNodeType() == Node.ELEMENT_NODE && localName.equals(k.getLocalName())) {
        return k.getTextContent().trim();
      }
    }
    return null;
  }

  /**
   * One hardened factory for every parse: DOCTYPEs and external entities off. Built once because
   * {@code DocumentBuilderFactory.newInstance()} searches the class path on every call;
   * {@code newDefaultInstance()} takes the JDK's own parser without that search.
   */
  private static final DocumentBuilderFactory XML = hardenedFactory();

  private static DocumentBuilderFactory hardenedFactory() {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newDefaultInstance();
      f.setNamespaceAware(true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      return f;
    } catch (javax.xml.parsers.ParserConfigurationException e) {
      throw new ExceptionInInitializerError(e); // the JDK's parser knows every feature set above
    }
  }

  /** Parse untrusted XML with DOCTYPEs and external entities off; empty on any error. */
  static Optional<Document> parse(String xml) {
    if (xml == null || xml.length() > MAX_XML) {
      return Optional.empty();
    }
    try {
      DocumentBuilder db;
      synchronized (XML) { // a factory is not promised to be thread-safe; a builder is used by one caller
        db = XML.newDocumentBuilder();
      }
      db.setErrorHandler(null);
      return Optional.of(db.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    } catch (Exception e) { // ParserConfigurationException, SAXException, IOException: all "bad XML"
      return Optional.empty();
    }
  }

  /** Return the lower-cased host of an http URL, or empty. */
  public static Optional<String> hostOf(String url) {
    try {
      String h = URI.create(url).getHost();
      return Optional.ofNullable(h).map(x -> x.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
