package dev.wormholes.node.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** What one run of {@code bin/wormholes} returned. */
record CliResult(String command, int exit, String out, String err) {

  /** Assert exit 0 and return this. */
  CliResult ok() {
    assertEquals(0, exit, () -> describe());
    return this;
  }

  /** Assert exit 0 and return stdout parsed as the one JSON object {@code --json} prints. */
  JsonObject json() {
    ok();
    assertEquals(1, out.lines().count(), () -> "--json must print one line: " + describe());
    return JsonParser.parseString(out).getAsJsonObject();
  }

  /**
   * Assert a failure a person can read: exit code {@code expectedExit}, nothing on stdout, exactly
   * one stderr line that starts with {@code wormholes: } and contains {@code contains}, and no
   * stack trace.
   */
  CliResult failsWith(int expectedExit, String contains) {
    assertEquals(expectedExit, exit, () -> "exit code of " + describe());
    assertEquals("", out, () -> describe());
    assertEquals(1, err.lines().count(), () -> "one stderr line expected: " + describe());
    assertTrue(err.startsWith("wormholes: "), () -> describe());
    assertTrue(err.contains(contains), () -> "expected '" + contains + "': " + describe());
    assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("Caused by"),
        () -> "stack trace: " + describe());
    return this;
  }

  String describe() {
    return "`" + command + "` exited " + exit + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
  }
}
