package dev.wormholes.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CLI against an in-process fake control API: requests it sends, what it prints, and how every
 * failure maps to one stderr line and the contract's exit code. The process-level proof against
 * real daemons is in {@code dev.wormholes.node.it}.
 */
class WormholesCliTest {
  static final String ID = "a".repeat(51) + "q";
  static final String KEY = "b".repeat(51) + "q";

  @TempDir Path data;
  FakeDaemon daemon;

  record Result(int exit, String out, String err, byte[] rawOut) {}

  @BeforeEach
  void start() throws IOException {
    daemon = new FakeDaemon(data);
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  Result run(byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Wormholes.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin));
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }

  Result run(String... args) {
    return run(new byte[0], args);
  }

  String[] withData(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--data";
    all[1] = data.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  /** Assert a failure: the exit code, exactly one stderr line starting "wormholes: ", no stack trace. */
  static void assertOneLineError(Result r, int exit, String contains) {
    assertEquals(exit, r.exit(), () -> "exit code; stderr: " + r.err());
    assertTrue(r.err().startsWith("wormholes: "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains(contains), () -> "expected '" + contains + "' in: " + r.err());
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    assertEquals("", r.out());
  }

  @Test
  void idSendsTheTokenAndPrintsTheIdAlone() {
    daemon.answer(200, "{\"id\":\"" + ID + "\",\"publicKey\":\"abcd\"}");
    Result r = run(withData("id"));
    assertEquals(0, r.exit(), r.err());
    assertEquals(ID + "\n", r.out());
    assertEquals("", r.err());
    assertEquals("GET", daemon.requests().get(0).method());
    assertEquals("/v1/id", daemon.requests().get(0).path());
    assertEquals("Bearer " + FakeDaemon.TOKEN, daemon.requests().get(0).authorization());
  }

  @Test
  void jsonPrintsTheApiObjectOnOneLine() {
    String body = "{\"id\":\"" + ID + "\",\"listen\":\"127.0.0.1:7447\",\"observed\":[],\"peers\":2,\"records\":5}";
    daemon.answer(200, body);
    // --json is accepted before or after the command.
    for (String[] args : new String[][] {withData("status", "--json"), {"--json", "--data", data.toString(), "status"},
        {"--json", "--data", data.toString(), "status", "--json"}}) {
      Result r = run(args);
      assertEquals(0, r.exit(), r.err());
      assertEquals(1, r.out().lines().count());
      assertEquals(JsonParser.parseString(body), JsonParser.parseString(r.out()));
    }
  }

  @Test
  void statusHumanFormListsTheEssentials() {
    daemon.answer(200, "{\"id\":\"" + ID + "\",\"listen\":\"0.0.0.0:7447\",\"api\":\"127.0.0.1:4000\","
        + "\"observed\":[\"203.0.113.9:7447\"],\"peers\":12,\"records\":40,\"uptimeSeconds\":3725,\"dropped\":3}");
    Result r = run(withData("status"));
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains(ID), r.out());
    assertTrue(r.out().contains("udp 0.0.0.0:7447"), r.out());
    assertTrue(r.out().contains("203.0.113.9:7447"), r.out());
    assertTrue(r.out().matches("(?s).*peers +12\n.*records +40\n.*uptime +1h 2m\n.*"), r.out());
  }

  @Test
  void peersListsIdAndAddressOrSaysThereAreNone() {
    daemon.answer(200, "{\"peers\":[{\"id\":\"" + ID + "\",\"address\":\"127.0.0.1:7001\"}]}");
    assertEquals(ID + "  127.0.0.1:7001\n", run(withData("peers")).out());
    daemon.answer(200, "{\"peers\":[]}");
    assertEquals("no peers yet\n", run(withData("peers")).out());
  }

  @Test
  void lookupPrintsEndpointsSeqAndExpiry() {
    daemon.answer(200, "{\"id\":\"" + ID + "\",\"publicKey\":\"ab\",\"seq\":7,\"expiresAt\":\"2999-01-01T00:00:00Z\","
        + "\"endpoints\":[{\"kind\":\"LAN\",\"address\":\"127.0.0.1:7001\"},{\"kind\":\"OBSERVED\",\"address\":\"127.0.0.1:7002\"}],\"nat\":{}}");
    Result r = run(withData("lookup", ID.toUpperCase()));
    assertEquals(0, r.exit(), r.err());
    assertEquals("/v1/lookup/" + ID, daemon.requests().get(0).path());
    assertTrue(r.out().contains("seq       7\n"), r.out());
    assertTrue(r.out().contains("expires   2999-01-01T00:00:00Z (in "), r.out());
    assertTrue(r.out().contains("endpoint  127.0.0.1:7001 (LAN)\n"), r.out());
    assertTrue(r.out().contains("endpoint  127.0.0.1:7002 (OBSERVED)\n"), r.out());
  }

  @Test
  void putSendsTheValueAndPrintsTheKey() {
    daemon.answer(200, "{\"key\":\"" + KEY + "\",\"kind\":\"immutable\",\"seq\":0,\"acks\":3}");
    Result r = run(withData("put", "hello world"));
    assertEquals(0, r.exit(), r.err());
    assertEquals(KEY + "\n", r.out());
    assertEquals("immutable value, stored on 3 nodes\n", r.err());
    FakeDaemon.Request q = daemon.requests().get(0);
    assertEquals("POST", q.method());
    assertEquals("/v1/put", q.path());
    assertEquals(JsonParser.parseString("{\"value\":\"hello world\"}"), JsonParser.parseString(q.body()));
  }

  @Test
  void putMutableSendsSaltAndSeq() {
    daemon.answer(200, "{\"key\":\"" + KEY + "\",\"kind\":\"mutable\",\"seq\":4,\"acks\":2}");
    Result r = run(withData("put", "--mutable", "--salt", "chat", "--seq", "4", "v2"));
    assertEquals(0, r.exit(), r.err());
    assertEquals("mutable value, seq 4, stored on 2 nodes\n", r.err());
    JsonObject sent = JsonParser.parseString(daemon.requests().get(0).body()).getAsJsonObject();
    assertEquals(JsonParser.parseString("{\"value\":\"v2\",\"mutable\":true,\"salt\":\"chat\",\"seq\":4}"), sent);
  }

  @Test
  void putDashReadsBytesFromStdin() {
    daemon.answer(200, "{\"key\":\"" + KEY + "\",\"kind\":\"immutable\",\"seq\":0,\"acks\":1}");
    byte[] bytes = {0, 1, 2, (byte) 0xff};
    Result r = run(bytes, withData("put", "-"));
    assertEquals(0, r.exit(), r.err());
    JsonObject sent = JsonParser.parseString(daemon.requests().get(0).body()).getAsJsonObject();
    assertArrayEquals(bytes, Base64.getDecoder().decode(sent.get("valueBase64").getAsString()));
  }

  @Test
  void rotateAndRecoverPostTheCodeFromTheArgumentOrStdin() {
    daemon.answer(200, "{\"persona\":\"" + ID + "\",\"seq\":3,\"recoveryCode\":\"next-code\",\"removed\":[\"" + KEY + "\"]}");
    Result rotated = run(withData("rotate", "abcd-efgh"));
    assertEquals(0, rotated.exit(), rotated.err());
    assertTrue(rotated.out().contains("at log seq 3") && rotated.out().contains("next-code"), rotated.out());
    Result recovered = run(" abcd-efgh\n".getBytes(StandardCharsets.UTF_8), withData("recover", "-"));
    assertEquals(0, recovered.exit(), recovered.err());
    assertTrue(recovered.out().startsWith("removed old device " + KEY + "\n"), recovered.out());
    assertEquals(List.of("/v1/rotate", "/v1/recover"), daemon.requests().stream().map(FakeDaemon.Request::path).toList());
    for (FakeDaemon.Request q : daemon.requests()) {
      assertEquals("abcd-efgh", JsonParser.parseString(q.body()).getAsJsonObject().get("recovery").getAsString());
    }
  }

  @Test
  void channelAndNetworkInvitesSendTheLinkExpiryInSeconds() {
    daemon.answer(200, "{\"link\":\"wormholes-x:abc\"}");
    assertEquals("wormholes-x:abc\n", run(withData("channel", "invite", "news")).out());
    assertEquals(0, run(withData("channel", "invite", "news", "--expires", "2h")).exit());
    assertEquals(0, run(withData("network", "invite", "lab", "--expires", "3d")).exit());
    assertEquals(List.of(86_400L, 7_200L, 259_200L), daemon.requests().stream()
        .map(q -> JsonParser.parseString(q.body()).getAsJsonObject().get("expiresSeconds").getAsLong()).toList());
    assertOneLineError(run(withData("network", "invite", "lab", "--expires", "1w")), CliException.USAGE, "not a duration");
  }

  @Test
  void getPrintsTextOrRawBytes() {
    daemon.answer(200, "{\"key\":\"" + KEY + "\",\"kind\":\"immutable\",\"value\":\"hi there\",\"valueBase64\":\"aGkgdGhlcmU=\",\"seq\":0}");
    Result text = run(withData("get", KEY));
    assertEquals("hi there\n", text.out());
    assertEquals("/v1/get/" + KEY, daemon.requests().get(0).path());
    daemon.answer(200, "{\"key\":\"" + KEY + "\",\"kind\":\"immutable\",\"valueBase64\":\"AAH/\",\"seq\":0}");
    assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, run(withData("get", KEY)).rawOut());
  }

  @Test
  void getOfAPresenceKeyPointsToLookup() {
    daemon.answer(200, "{\"key\":\"" + ID + "\",\"kind\":\"presence\",\"valueBase64\":\"CgEx\",\"seq\":3}");
    Result r = run(withData("get", ID));
    assertEquals(0, r.exit(), r.err());
    assertEquals("a presence record (seq 3): read it with wormholes lookup " + ID + "\n", r.out());
  }

  @Test
  void badNodeIdOrKeyIsRejectedBeforeCallingTheDaemon() {
    assertOneLineError(run(withData("lookup", "not-a-node-id")), 2, "not a node id: 'not-a-node-id'");
    assertOneLineError(run(withData("get", ID.substring(1))), 2, "not a key");
    // 52 characters whose last one carries bits beyond 256: not canonical.
    assertOneLineError(run(withData("get", "b".repeat(52))), 2, "not a key");
    assertTrue(daemon.requests().isEmpty());
  }

  @Test
  void valueTooLargeIsRejectedBeforeCallingTheDaemon() {
    assertOneLineError(run(withData("put", "x".repeat(1001))), 2, "value is 1001 bytes; the limit is 1000");
    // Multi-byte characters count as bytes.
    assertOneLineError(run(withData("put", "é".repeat(501))), 2, "value is 1002 bytes; the limit is 1000");
    assertOneLineError(run(new byte[1001], withData("put", "-")), 2, "the limit is 1000");
    assertOneLineError(run(withData("put", "--mutable", "--salt", "s".repeat(65), "v")), 2, "salt is 65 bytes");
    assertTrue(daemon.requests().isEmpty());
  }

  @ParameterizedTest
  @CsvSource({
      "400, 2, not a node id: zzz",
      "413, 2, value is 1200 bytes; the limit is 1000",
      "404, 1, no value is stored under that key",
      "503, 1, the node has no peers yet",
      "504, 1, the lookup timed out",
      "500, 1, internal trouble"})
  void apiErrorsBecomeOneLineAndTheContractExitCode(int status, int exit, String message) {
    daemon.answer(status, "{\"error\":\"" + message + "\"}");
    assertOneLineError(run(withData("get", KEY)), exit, "wormholes: " + message);
  }

  @Test
  void errorWithoutJsonBodyStillGivesOneLine() {
    daemon.answer(502, "<html>\n<body>bad gateway</body>\n</html>");
    assertOneLineError(run(withData("status")), 1, "the daemon answered HTTP 502");
  }

  @Test
  void wrongTokenMeansNoDaemonOfThisDataDir() throws IOException {
    Files.writeString(data.resolve("api.token"), "ff".repeat(32));
    assertOneLineError(run(withData("status")), 3, "refused the token");
  }

  @Test
  void noDaemonWhenTheDataDirHasNoApiPort() {
    Path empty = data.resolve("nothing-here");
    assertOneLineError(run("--data", empty.toString(), "status"), 3,
        "no daemon is running for data dir " + empty + " (start one with bin/wormholed --data " + empty + ")");
  }

  @Test
  void noDaemonWhenApiPortIsLeftBehindByACrash() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Files.writeString(data.resolve("api.port"), "127.0.0.1:" + closedPort + "\n");
    assertOneLineError(run(withData("id")), 3, "no daemon is running for data dir " + data);
  }

  @Test
  void refusesToTalkToAnythingButLoopback() throws IOException {
    Files.writeString(data.resolve("api.port"), "192.0.2.1:" + daemon.port() + "\n");
    assertOneLineError(run(withData("id")), 1, "only talks to a daemon on 127.0.0.1");
    Files.writeString(data.resolve("api.port"), "127.0.0.1:99999\n");
    assertOneLineError(run(withData("id")), 1, "api.port is damaged");
    assertTrue(daemon.requests().isEmpty());
  }

  @Test
  void usageErrorsExitTwo() {
    assertOneLineError(run(withData("frob")), 2, "unknown command 'frob'");
    assertOneLineError(run(withData("get")), 2, "KEY");
    assertOneLineError(run(withData("put", "--salt", "s", "v")), 2, "--salt and --seq need --mutable");
    assertOneLineError(run(withData("id", "--bogus")), 2, "unknown argument '--bogus'");
    assertOneLineError(run(withData("put", "--mutable", "--salt", "", "v")), 2, "--salt must not be empty");
    assertOneLineError(run(withData("accept", "wormhole://web@alice/x")), 2,
        "wormhole://web@alice/x is the address of a person's service, not an invite");
    Result none = run(withData());
    assertEquals(2, none.exit());
    assertTrue(none.err().startsWith("Usage: wormholes"), none.err());
  }

  @Test
  void connectChecksPersonUrlsBeforeCallingTheDaemon() {
    assertOneLineError(run(withData("connect", "http://web@alice")), 2, "the scheme is 'http'");
    assertOneLineError(run(withData("connect", "wormhole://web@/x")), 2, "names no person after '@'");
    assertOneLineError(run(withData("connect", "wormhole://alice")), 2, "names no service");
    assertTrue(daemon.requests().isEmpty());
  }

  @Test
  void helpGoesToStdoutAndExitsZero() {
    Result r = run("put", "--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("Usage: wormholes put"), r.out());
  }
}
