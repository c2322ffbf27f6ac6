package dev.wormholes.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's channel commands ({@code /channels /channel /join /leave /channelcast}) against an
 * in-process fake control API: the request each line sends (a channel's name may hold spaces,
 * except in {@code /channelcast}), what it prints, and the one-line usage error when words are missing. The console in a real terminal is {@code ConsoleTmuxTest}'s.
 */
class ConsoleChannelsTest {
  static final String CHANNEL = "{\"id\":\"c1\",\"name\":\"news\",\"epoch\":2,\"member\":true,\"owner\":\"o\","
      + "\"members\":[\"a\",\"b\",\"c\"],\"posts\":4";

  @TempDir Path data;
  FakeDaemon daemon;
  ControlClient api;
  final Console console = new Console();

  @BeforeEach
  void start() throws IOException {
    daemon = new FakeDaemon(data);
    api = new ControlClient(data, data.toString());
  }

  @AfterEach
  void stop() {
    daemon.close();
  }

  private FakeDaemon.Request last() {
    return daemon.requests().get(daemon.requests().size() - 1);
  }

  @Test
  void channelcastPostsTheRestOfTheLineToTheChannel() {
    daemon.answer(200, CHANNEL + ",\"seq\":7}");
    assertEquals("posted #7 to news\n", console.run(api, "/channelcast news hello  to all of you"));
    assertEquals("POST", last().method());
    assertEquals("/v1/channels/post", last().path());
    assertEquals(JsonParser.parseString("{\"channel\":\"news\",\"text\":\"hello  to all of you\"}"),
        JsonParser.parseString(last().body()));
  }

  @Test
  void channelsChannelJoinAndLeaveCallTheirEndpoints() {
    daemon.answer(200, "{\"channels\":[" + CHANNEL + "}],\"refused\":{}}");
    String list = console.run(api, "/channels");
    assertTrue(list.startsWith("news  3 members  4 posts  epoch 2\n  id c1"), list);
    assertEquals("/v1/channels", last().path());

    daemon.answer(200, CHANNEL + ",\"posts\":[{\"author\":\"x\",\"from\":\"bob\",\"seq\":1,\"epoch\":2,"
        + "\"sentAt\":\"2026-12-07T12:00:00Z\",\"text\":\"hi\"},{\"author\":\"y\",\"from\":\"eve\",\"seq\":3,\"epoch\":1,"
        + "\"sentAt\":\"2026-12-07T12:01:00Z\"}]}");
    assertEquals("2026-12-07T12:00:00Z bob #1: hi\n2026-12-07T12:01:00Z eve #3: (sealed to an epoch this node has no key of)\n",
        console.run(api, "/channel my news"));
    assertEquals("/v1/channels/read/my+news", last().path());

    daemon.answer(200, CHANNEL + "}");
    assertEquals("joined news c1\n", console.run(api, "/join wormholes-channel:abc"));
    assertEquals("/v1/channels/join", last().path());
    assertEquals(JsonParser.parseString("{\"link\":\"wormholes-channel:abc\"}"), JsonParser.parseString(last().body()));
    assertEquals("left news\n", console.run(api, "/leave my news"));
    assertEquals("/v1/channels/leave", last().path());
    assertEquals(JsonParser.parseString("{\"channel\":\"my news\"}"), JsonParser.parseString(last().body()));
  }

  @Test
  void missingWordsAndApiErrorsAreOneLine() {
    assertEquals("error: /channelcast NAME TEXT", console.run(api, "/channelcast news"));
    assertEquals("error: /channel NAME", console.run(api, "/channel"));
    assertEquals("error: /join LINK", console.run(api, "/join"));
    assertEquals(0, daemon.requests().size());
    daemon.answer(404, "{\"error\":\"no channel 'nope' here (a channel id or name)\"}");
    String out = console.run(api, "/channelcast nope hi");
    assertTrue(out.startsWith("error: ") && out.contains("no channel 'nope' here") && out.lines().count() == 1, out);
  }
}
