package dev.wormholes.nat.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What nat/lab/probe.py saw from a LAN host of one NAT type: the independent oracle that the
 * lab's NATs have the RFC 4787 behaviour they are named for. Reflectors (reflector.py) run on the
 * two rendezvous hosts.
 *
 * @param localPort the probe's local port
 * @param r1 endpoint observed by R1:7000
 * @param r2 endpoint observed by R2:7000 (another IP)
 * @param r1OtherPort endpoint observed by R1:7001 (same IP, other port)
 * @param dialOtherHost a dial-back from R2 (never contacted) arrived
 * @param dialOtherPort a dial-back from R1:7002 (never contacted port) arrived
 * @param thirdParty a dial-back requested for another address arrived (must never)
 * @param hairpin a datagram to our own public endpoint came back
 */
record NatBehaviourProbe(int localPort, String r1, String r2, String r1OtherPort,
    boolean dialOtherHost, boolean dialOtherPort, boolean thirdParty, boolean hairpin) {

  /** Build a one-site lab of {@code type}, run the probe, tear the lab down. */
  static NatBehaviourProbe run(String type) throws Exception {
    try (NatLab lab = NatLab.up("a=" + type)) {
      NatLab.Node rv1 = lab.node("rv1");
      NatLab.Node rv2 = lab.node("rv2");
      lab.python(rv1, "reflector.py", "--ip", rv1.ip(), "--helper", rv2.ip(), "--seconds", "30")
          .await("ready", Duration.ofSeconds(10));
      lab.python(rv2, "reflector.py", "--ip", rv2.ip(), "--trust", rv1.ip(), "--seconds", "30")
          .await("ready", Duration.ofSeconds(10));
      String json = lab.python(lab.node("a-h1"), "probe.py", "--r1", rv1.ip(), "--r2", rv2.ip())
          .await("{", Duration.ofSeconds(20));
      System.out.println(type + ": " + json);
      return parse(json);
    }
  }

  static NatBehaviourProbe parse(String json) {
    return new NatBehaviourProbe(Integer.parseInt(value(json, "local_port")), endpoint(json, "obs_r1"),
        endpoint(json, "obs_r2"), endpoint(json, "obs_r1_other_port"),
        Boolean.parseBoolean(value(json, "dialback_other_host")),
        Boolean.parseBoolean(value(json, "dialback_other_port")),
        Boolean.parseBoolean(value(json, "third_party_dialback_arrived")),
        Boolean.parseBoolean(value(json, "hairpin")));
  }

  private static String value(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": ([a-z0-9]+)").matcher(json);
    return m.find() ? m.group(1) : "null";
  }

  private static String endpoint(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\": \\[\"([0-9.]+)\", ([0-9]+)\\]").matcher(json);
    return m.find() ? m.group(1) + ":" + m.group(2) : null;
  }

  /** Return the port of an observed endpoint. */
  static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.indexOf(':') + 1));
  }

  /** Assert endpoint-independent mapping: every reflector saw the same endpoint. */
  void assertEndpointIndependentMapping() {
    assertNotNull(r1, "R1 answered");
    assertEquals(r1, r2, "same mapping towards another IP");
    assertEquals(r1, r1OtherPort, "same mapping towards another port");
  }

  /** Assert the filtering seen: which dial-backs got through. */
  void assertFiltering(boolean otherHost, boolean otherPort) {
    assertEquals(otherHost, dialOtherHost, "dial-back from another host");
    assertEquals(otherPort, dialOtherPort, "dial-back from another port of a contacted host");
    assertEquals(false, thirdParty, "third-party dial-backs are refused by the reflector");
  }
}
